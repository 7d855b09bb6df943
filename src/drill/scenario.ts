import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { readYaml } from '../config/load.js';
import { z } from 'zod';
import { chasingSchema, durationSchema as duration } from '../config/schema.js';

const say = z
  .strictObject({
  /**
   * 学号 or 工号, or 家长:<学号> (the student's first guardian), or 家长:<学号>:<姓名>; or an account the
   * roster may not know, `<platform>:<account>` (`qq:999000001`, `wechat:wxid_x`), in a group it joined
   * with a `join` step, or in 私聊.
   */
  as: z.string().min(1),
  /** L1 | L2:<学院> | L3:<班级> | L4:<学院> | X:<学院>:<名称> | 私聊 (private chat with a bot). */
  in: z.string().min(1),
  /** What they write; may be left out when they send a file. */
  text: z.string().default(''),
  /**
   * A file or picture they send (issue #15): a path, relative to the drill's file (else to the working
   * directory). Pictures by extension (png, jpg, jpeg, gif, webp); anything else is a file.
   */
  file: z.string().min(1).optional(),
  /** Quote-reply: `directive` quotes the bot's post of the latest directive in that group. */
  quote: z.enum(['directive']).optional(),
  /** For 私聊: which bot account; default the first on the person's platform. */
  via: z.string().optional(),
  /**
   * `{code}` in `text` becomes the newest verification code texted to this person's number (学号, or
   * 家长:<学号>[:<姓名>]): answering a `/绑定` (issue #14).
   */
  codeOf: z.string().min(1).optional(),
  })
  .refine((s) => s.text !== '' || s.file !== undefined, { message: 'say needs text or file', path: ['text'] });

const replyAll = z.strictObject({
  /** Every person who owes the directive a reply in this group says `text`. */
  in: z.string().min(1),
  text: z.string().default('收到'),
  directive: z.number().int().positive().optional(),
  /** Ids (as in `say.as`, or student 学号 for parents) who stay silent. */
  except: z.array(z.string()).default([]),
  /** Only the first N who owe (after `except`). */
  count: z.number().int().min(0).optional(),
});

const expectLevel = z.strictObject({
  directive: z.number().int().positive().optional(),
  level: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
  required: z.number().int().min(0).optional(),
  acknowledged: z.number().int().min(0).optional(),
  late: z.number().int().min(0).optional(),
  done: z.number().int().min(0).optional(),
});

const expectBot = z.strictObject({
  /** A group key, or 私聊:<id> for private messages to a person. */
  to: z.string().optional(),
  contains: z.string().optional(),
  notContains: z.string().optional(),
  /** A file or picture the message carries, by (part of) its name (issue #15). */
  file: z.string().optional(),
  /** How many matching bot messages since the previous step; default at least one. */
  count: z.number().int().min(0).optional(),
});

const expectDeliveries = z.strictObject({
  directive: z.number().int().positive().optional(),
  planned: z.number().int().min(0).optional(),
  sent: z.number().int().min(0).optional(),
});

const join = z.union([
  z.strictObject({ as: z.string().min(1), in: z.string().min(1), card: z.string().optional() }),
  /** Someone not on the roster (or a new account of someone who is). */
  z.strictObject({ account: z.string().min(1), card: z.string().min(1), in: z.string().min(1) }),
]);

const leave = z.strictObject({ as: z.string().min(1).optional(), account: z.string().min(1).optional(), in: z.string().min(1) }).refine((l) => (l.as === undefined) !== (l.account === undefined), {
  message: 'leave needs exactly one of as or account',
});

const card = z.strictObject({ as: z.string().min(1), in: z.string().min(1), card: z.string() });

/** Someone texts the bots' SMS number from their phone (the address book's number): 学号 or 家长:学号. */
const smsStep = z.strictObject({ from: z.string().min(1), text: z.string().min(1).max(500) });

/** A bot account logs in again: on WeChat every contact and room id it sees changes. */
const relogin = z.strictObject({ account: z.string().min(1), loseRemarks: z.boolean().default(false) });

const step = z.union([
  z.strictObject({ say }),
  z.strictObject({ wait: duration }),
  z.strictObject({ replyAll }),
  z.strictObject({ expect: expectLevel }),
  z.strictObject({ expectBot }),
  z.strictObject({ expectDeliveries }),
  z.strictObject({ restart: z.strictObject({ graceful: z.boolean().default(false) }).prefault({}) }),
  z.strictObject({ note: z.string() }),
  z.strictObject({ sms: smsStep }),
  z.strictObject({ join }),
  z.strictObject({ leave }),
  z.strictObject({ card }),
  z.strictObject({ relogin }),
]);

export const scenarioSchema = z.strictObject({
  name: z.string().default('drill'),
  /** A directory, workbook, CSV file or zip to import, or a list of them. */
  org: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('config/demo'),
  /** Virtual start time (ISO 8601). */
  start: z.string().default('2026-03-02T08:00:00+08:00'),
  /**
   * Overrides of the config's `chasing` section for this drill (same keys; a level listed here
   * replaces that level's steps), to try a policy before deploying it.
   */
  chasing: z.record(z.string(), z.unknown()).optional(),
  /** Overrides of the config's `sms` section (the provider is always the simulated one in a drill). */
  sms: z.record(z.string(), z.unknown()).optional(),
  steps: z.array(step).min(1),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type Step = Scenario['steps'][number];

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

export function parseScenario(raw: unknown, source: string): Scenario {
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new ScenarioError(`演练脚本有误（${source}）：\n${problems.join('\n')}`);
  }
  if (Number.isNaN(Date.parse(result.data.start))) throw new ScenarioError(`演练脚本有误（${source}）：start 不是日期`);
  if (result.data.chasing) {
    const chasing = chasingSchema.safeParse(result.data.chasing);
    if (!chasing.success) {
      const problems = chasing.error.issues.map((i) => `  - chasing.${i.path.map(String).join('.')}: ${i.message}`);
      throw new ScenarioError(`演练脚本有误（${source}）：\n${problems.join('\n')}`);
    }
  }
  return result.data;
}

export function loadScenario(file: string): Scenario {
  const scenario = parseScenario(readYaml(readFileSync(file, 'utf8'), file), file);
  // A file a `say` sends: beside the drill first, else from the working directory; named in the error when missing.
  const steps = scenario.steps.map((step, i) => {
    if (!('say' in step) || step.say.file === undefined) return step;
    const given = step.say.file;
    const found = isAbsolute(given) ? given : [resolve(dirname(file), given), resolve(given)].find((p) => existsSync(p));
    if (found === undefined || !existsSync(found)) throw new ScenarioError(`演练脚本有误（${file}）：\n  - steps.${i}.say.file: 找不到文件 ${given}`);
    return { say: { ...step.say, file: found } };
  });
  return { ...scenario, steps };
}
