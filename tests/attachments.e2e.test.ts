/**
 * Directives that carry files and pictures (issue #15) on the simulator with real Redis and SQLite:
 * with `/通知`, as the issuer's next message, by quoting a file; relayed right after the text into
 * every group, each once through the sent-ledger; a line instead where a chat cannot take a file; the
 * size limit; withdrawal; and exactly-once across a crash mid-relay.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimFile, SimMessage } from '../adapters/simulator/index.js';
import { advanceClock, issue, passTime, startTestSchool, type TestSchool } from './setup/runtime.js';
import { waitUntil } from './setup/helpers.js';
import { sweep } from '../src/features/privacy/index.js';

let school: TestSchool | undefined;

afterEach(async () => {
  await school?.close();
  school = undefined;
});

const PDF: SimFile = { kind: 'file', name: '宿舍安全检查通知.pdf', data: new TextEncoder().encode('%PDF-1.4 宿舍安全检查 '.repeat(200)) };
const POSTER: SimFile = { kind: 'image', name: 'poster.png', data: Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) % 251) };

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Per group chat, what the bots posted for directive `id`: its text post, then the names of files, in order. */
function postsByChat(s: TestSchool, id: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of s.botMessages()) {
    if (m.chatType !== 'group') continue;
    const entry = m.text.includes(`【通知 第${id}号】`) ? 'text' : m.files?.length ? `file:${m.files.map((f) => f.name).join(',')}` : m.text.includes('【附件未能发送】') ? 'line' : null;
    if (entry === null) continue;
    out.set(m.chatId, [...(out.get(m.chatId) ?? []), entry]);
  }
  return out;
}

function filesIn(s: TestSchool): SimMessage[] {
  return s.botMessages().filter((m) => (m.files?.length ?? 0) > 0);
}

describe('a directive with files', () => {
  it('a PDF sent with /通知 follows the text into every group, once, the bytes unchanged; the issuer is told', async () => {
    school = await startTestSchool();
    school.say('T001', 'L1', '/通知 请各单位按附件完成宿舍安全检查', { files: [PDF] });
    await school.settle();
    const id = school.runtime.app.directives.latest()?.id ?? 0;
    const posts = postsByChat(school, id);
    expect(posts.size).toBe(16);
    for (const seq of posts.values()) expect(seq).toEqual(['text', `file:${PDF.name}`]);
    for (const m of filesIn(school)) expect(sha(m.files?.[0]?.data ?? new Uint8Array())).toBe(sha(PDF.data));
    // The placeholder the client shows is not part of the directive's text.
    expect(school.botMessages('L3:计算机2301')[0]?.text).not.toContain('[文件]');
    expect(school.botMessages('L1').map((m) => m.text).join('\n')).toContain(`已收到第${id}号通知的附件：《${PDF.name}》`);
    expect(school.runtime.school.world.duplicateDeliveries()).toBe(0);
  });

  it('a picture sent as the issuer’s next message within attachWithin joins the directive; later, or from someone else, it does not', async () => {
    school = await startTestSchool();
    const id = await issue(school, '/通知 请各单位张贴海报');
    await passTime(school, 60_000);
    school.say('T001', 'L1', '', { files: [POSTER] });
    await school.settle();
    const posts = postsByChat(school, id);
    expect(posts.size).toBe(16);
    for (const seq of posts.values()) expect(seq).toEqual(['text', `file:${POSTER.name}`]);
    // The same picture again (a resend, or a platform reporting one upload twice) is attached once.
    school.say('T001', 'L1', '', { files: [POSTER] });
    await school.settle();
    expect(filesIn(school)).toHaveLength(16);
    // Four minutes later the same picture is just a picture.
    await passTime(school, 4 * 60_000);
    const before = filesIn(school).length;
    school.say('T001', 'L1', '', { files: [POSTER] });
    school.say('T002', 'L1', '', { files: [POSTER] });
    await school.settle();
    expect(filesIn(school).length).toBe(before);
    expect(school.runtime.app.repos.attachments.ofDirective(id)).toHaveLength(1);
  });

  it('quoting a file and replying /通知 makes the file the directive’s', async () => {
    school = await startTestSchool();
    const shared = school.say('T002', 'L1', '', { files: [PDF] });
    await school.settle();
    school.say('T001', 'L1', '/通知 请按群里这份文件执行', { quoteId: shared.id });
    await school.settle();
    const id = school.runtime.app.directives.latest()?.id ?? 0;
    const posts = postsByChat(school, id);
    expect(posts.size).toBe(16);
    for (const seq of posts.values()) expect(seq).toEqual(['text', `file:${PDF.name}`]);
  });

  it('a group that cannot take files gets a line saying how to obtain it; the issuer is told once', async () => {
    school = await startTestSchool();
    const world = school.runtime.school.world;
    const org = school.runtime.app.org();
    const closed = org.platformGroupsOf(org.groupByKeyText('L3:计算机2301')?.id ?? -1)[0]?.chatId ?? '';
    const closed2 = org.platformGroupsOf(org.groupByKeyText('L3:计算机2302')?.id ?? -1)[0]?.chatId ?? '';
    world.setFilesAllowed(closed, false);
    world.setFilesAllowed(closed2, false);
    school.say('T001', 'L1', '/通知 请查收附件', { files: [PDF] });
    await school.settle();
    const id = school.runtime.app.directives.latest()?.id ?? 0;
    const posts = postsByChat(school, id);
    expect(posts.get(closed)).toEqual(['text', 'line']);
    expect(posts.get(closed2)).toEqual(['text', 'line']);
    const line = school.botMessages().find((m) => m.chatType === 'group' && m.chatId === closed && m.text.includes('【附件未能发送】'))?.text ?? '';
    expect(line).toContain(PDF.name);
    expect(line).toContain(`第${id}号通知`);
    const others = [...posts.entries()].filter(([chat]) => chat !== closed && chat !== closed2);
    for (const [, seq] of others) expect(seq).toEqual(['text', `file:${PDF.name}`]);
    // Once per file and platform, however many groups refused it.
    const told = school.botMessages('私聊:T001').filter((m) => m.text.includes('无法在QQ的群中发送'));
    expect(told).toHaveLength(1);
    expect(school.runtime.app.ledger.attachmentPosts(id).filter((p) => p.fileFallback !== null)).toHaveLength(2);
  });

  it('a file over the size limit is refused with the limit named; the directive goes without it', async () => {
    school = await startTestSchool({ config: { directives: { defaultDepth: 4, attachMaxBytes: 2048 } } });
    school.say('T001', 'L1', '/通知 请查收', { files: [POSTER] });
    await school.settle();
    const id = school.runtime.app.directives.latest()?.id ?? 0;
    expect(filesIn(school)).toEqual([]);
    expect(postsByChat(school, id).size).toBe(16);
    expect(school.botMessages('L1').map((m) => m.text).join('\n')).toContain('超过 2 KB');
    expect(school.runtime.app.repos.attachments.ofDirective(id)[0]?.status).toBe('failed');
  });

  it('step by step: each later release carries the file right after the text', async () => {
    school = await startTestSchool();
    school.say('T001', 'L1', '/通知 逐级 请查收附件', { files: [PDF] });
    await school.settle();
    const id = school.runtime.app.directives.latest()?.id ?? 0;
    // Nothing below L1 until its college leader acknowledges; then the college group, then its classes.
    expect(postsByChat(school, id).size).toBe(0);
    school.say('S101', 'L1', '收到');
    await school.settle();
    expect(postsByChat(school, id).size).toBe(1);
    school.say('S111', 'L2:计算机学院', '收到');
    await school.settle();
    const posts = postsByChat(school, id);
    expect(posts.size).toBeGreaterThan(3);
    for (const seq of posts.values()) expect(seq).toEqual(['text', `file:${PDF.name}`]);
  });

  it('/撤回 recalls the file posts with the text where the platform still can', async () => {
    school = await startTestSchool();
    school.say('T001', 'L1', '/通知 请查收附件', { files: [PDF] });
    await school.settle();
    const id = school.runtime.app.directives.latest()?.id ?? 0;
    const world = school.runtime.school.world;
    const qqFiles = filesIn(school).filter((m) => m.platform === 'qq');
    expect(qqFiles.length).toBeGreaterThan(0);
    await school.ask('T001', 'L1', `/撤回 ${id}`);
    for (const m of qqFiles) expect(world.isRecalled(m.id)).toBe(true);
    expect(school.runtime.app.ledger.withdrawnCount(id)).toBe(16);
  });
});

describe('retention of files', () => {
  it('an export workbook is deleted after a day, a directive’s file after privacy.keepMessagesDays, bytes and all', async () => {
    school = await startTestSchool();
    school.say('T001', 'L1', '/通知 请查收附件', { files: [PDF] });
    await school.settle();
    const id = school.runtime.app.directives.latest()?.id ?? 0;
    await school.ask('S111', '私聊', `/导出 ${id}`);
    const { attachments } = school.runtime.app.repos;
    const files = school.runtime.app.files;
    const exported = school.runtime.app.repos.db.$client.prepare(`SELECT sha256 FROM attachments WHERE origin = 'export'`).get() as { sha256: string };
    const sent = attachments.ofDirective(id)[0];
    expect(files.has(exported.sha256)).toBe(true);
    advanceClock(school, 25 * 60 * 60 * 1000);
    expect(sweep(school.runtime.app).files).toBe(1);
    expect(files.has(exported.sha256)).toBe(false);
    expect(files.has(sent?.sha256 ?? '')).toBe(true);
    advanceClock(school, school.runtime.app.config.privacy.keepMessagesDays * 24 * 60 * 60 * 1000);
    expect(sweep(school.runtime.app).files).toBe(1);
    expect(files.has(sent?.sha256 ?? '')).toBe(false);
    expect(attachments.ofDirective(id)).toEqual([]);
  });
});

describe('exactly once across a crash', () => {

  it('killed mid-relay, the restarted service posts every file into every group exactly once', async () => {
    school = await startTestSchool({ realClock: true, minGapMs: 30 });
    school.say('T001', 'L1', '/通知 请查收两份附件', { files: [PDF, POSTER] });
    await waitUntil(() => (school ? filesIn(school).length >= 4 : false));
    expect(filesIn(school).length).toBeLessThan(32);
    await school.runtime.restart(true);
    await waitUntil(() => (school ? filesIn(school).length >= 32 : false));
    await school.settle();
    const id = school.runtime.app.directives.latest()?.id ?? 0;
    const posts = postsByChat(school, id);
    expect(posts.size).toBe(16);
    // The text first; the two files once each (the order of two sends the crash interrupted is not kept).
    for (const seq of posts.values()) {
      expect(seq[0]).toBe('text');
      expect(seq.slice(1).sort()).toEqual([`file:${PDF.name}`, `file:${POSTER.name}`].sort());
    }
    expect(school.runtime.school.world.duplicateDeliveries()).toBe(0);
  });
});
