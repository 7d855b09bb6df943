/**
 * The terminal sandbox of `npm start`: type as any person into any group and watch what the bots post.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { SimFile } from '../../adapters/simulator/index.js';
import { owedBy, directiveLevels } from '../domain/directive.js';
import type { Person } from '../domain/org.js';
import { destinationOf } from '../drill/runner.js';
import { LEVEL_NAMES } from '../app/texts.js';
import type { Runtime } from '../runtime.js';
import { QUERIES } from '../features/queries/index.js';
import { SIMULATED_SMS, SMS, watchSms } from '../features/sms/index.js';
import { maskPhone } from '../sms/port.js';

const HELP = `沙盒命令（以冒号开头），其他任何输入都会以当前身份发到当前群：
  :as <学号|工号|家长:学号>   切换身份          :in <L1|L2:学院|L3:班级|L4:学院|私聊>  切换群
  :groups                    列出所有群        :people                                 列出当前群的部分成员
  :ackall [文本]             当前群所有应回复的人都回复（默认“收到”）
  :status                    最新通知的各级进度 :help  本说明        :quit  退出
  :sms <手机号> <文本>        以该号码给机器人回短信（模拟短信；机器人发出的短信也会显示在这里）
  :file <路径> [文字]         以当前身份在当前群发送文件或图片（可附文字，如 :file 通知.pdf /通知 请查收附件）
示例：以组长 T001 在一级群发送  /通知 截止=18:00 请各学院于今晚前完成宿舍安全检查`;

export function runSandbox(runtime: Runtime, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const org = () => runtime.app.org();
  const { world } = runtime.school;
  const leader = org().withRole('team_leader', null)[0];
  let as: Person | undefined = leader;
  let where = 'L1';
  const print = (s: string): void => {
    out.write(`${s}\n`);
  };
  const c = org().counts();
  print(`Cascade 沙盒：${org().schoolName}，${org().colleges.length} 个学院，${c.students} 名学生，${c.guardians} 位家长，${c.groups} 个群。`);
  print(HELP);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  watchSms(runtime.app, (m) => {
    print(`\n\x1b[35m[短信 → ${maskPhone(m.phone)}]\x1b[0m\n${m.text}\n`);
    rl.prompt(true);
  });
  const unsubscribe = world.onMessage((m) => {
    if (!world.account(m.from)) return;
    const files = m.files && m.files.length > 0 ? `（附件：${m.files.map((f) => f.name).join('、')}）` : '';
    print(`\n\x1b[36m[${m.from} → ${destinationOf(org(), m)}]\x1b[0m\n${m.text}${files}\n`);
    rl.prompt(true);
  });
  const prompt = (): void => {
    rl.setPrompt(`${as ? `${as.name}(${as.extId})` : '?'} @ ${where}> `);
    rl.prompt();
  };
  prompt();
  return new Promise((resolve) => {
    rl.on('line', (line) => {
      void handle(line.trim()).then(prompt, (e: unknown) => {
        print(`出错：${e instanceof Error ? e.message : String(e)}`);
        prompt();
      });
    });
    rl.on('close', () => {
      unsubscribe();
      resolve();
    });
  });

  /** The current person says `text` (with files) where they are. */
  function say(text: string, files: readonly SimFile[] = []): void {
    if (!as) return print('先用 :as 选择身份');
    const opts = files.length > 0 ? { files } : {};
    if (where === '私聊') {
      const platform = org().accountOn(as.id, 'qq') ? 'qq' : 'wechat';
      const userId = org().accountOn(as.id, platform);
      const account = runtime.school.accountsOn(platform)[0];
      if (!userId || !account) return print('此人无法私聊机器人');
      world.sayPrivate(userId, account, text, opts);
      return;
    }
    const seat = runtime.school.seatOf(as.id, where);
    if (!seat) return print(`${as.name} 不在 ${where}`);
    world.say(seat.userId, seat.chatId, text, opts);
  }

  async function handle(line: string): Promise<void> {
    if (!line) return;
    if (!line.startsWith(':')) return say(line);
    const [cmd, ...rest] = line.slice(1).split(/\s+/);
    const arg = rest.join(' ');
    switch (cmd) {
      case 'help':
        return print(HELP);
      case 'quit':
      case 'exit':
        rl.close();
        return;
      case 'as': {
        const p = org().personByRef(arg);
        if (!p) return print(`找不到 ${arg}`);
        as = p;
        return print(`现在的身份：${p.name}`);
      }
      case 'in':
        if (arg !== '私聊' && !org().groupByKeyText(arg)) return print(`没有群 ${arg}；用 :groups 查看`);
        where = arg;
        return;
      case 'groups':
        return print(org().groups.map((g) => `${g.key}  ${g.name}`).join('\n'));
      case 'people': {
        const g = org().groupByKeyText(where);
        if (!g) return;
        const people = org()
          .platformGroupsOf(g.id)
          .flatMap((pg) => world.members(pg.chatId).map((m) => org().personByPlatformAccount(pg.platform, m.userId)))
          .filter((p): p is Person => p !== undefined)
          .slice(0, 40);
        return print(people.map((p) => `${p.extId}  ${p.name}`).join('\n'));
      }
      case 'ackall': {
        const g = org().groupByKeyText(where);
        const d = runtime.app.directives.latest();
        if (!g || !d) return print('没有群或没有通知');
        let n = 0;
        for (const pg of org().platformGroupsOf(g.id)) {
          for (const m of world.members(pg.chatId)) {
            const p = org().personByPlatformAccount(pg.platform, m.userId);
            if (p && owedBy(org(), d, p, g).length > 0) {
              world.say(m.userId, pg.chatId, arg || '收到');
              n++;
            }
          }
        }
        return print(`${n} 人已回复`);
      }
      case 'status': {
        const d = runtime.app.directives.latest();
        if (!d) return print('还没有通知');
        await runtime.app.settle();
        const totals = runtime.app.get(QUERIES).totals(d);
        return print(
          directiveLevels(d)
            .map((l) => `${LEVEL_NAMES[l]}：${totals.get(l)?.acknowledged ?? 0}/${totals.get(l)?.required ?? 0}`)
            .join('\n'),
        );
      }
      case 'sms': {
        const [phone, ...words] = arg.split(/\s+/u);
        if (!phone || !/^1\d{10}$/u.test(phone) || words.length === 0) return print('用法：:sms 13800000000 收到');
        runtime.app.get(SIMULATED_SMS).reply(phone, words.join(' '));
        await runtime.app.get(SMS).pull();
        return print('已收到这条短信');
      }
      case 'file': {
        const [path, ...words] = arg.split(/\s+/u);
        if (!path) return print('用法：:file 通知.pdf [文字]');
        let data: Buffer;
        try {
          data = await readFile(path);
        } catch {
          return print(`读不到文件 ${path}`);
        }
        const name = basename(path);
        return say(words.join(' '), [{ kind: /\.(png|jpe?g|gif|webp)$/iu.test(name) ? 'image' : 'file', name, data }]);
      }
      default:
        return print(`未知的沙盒命令 :${cmd ?? ''}，输入 :help`);
    }
  }

}
