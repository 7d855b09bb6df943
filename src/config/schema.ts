import { z } from 'zod';
import { parseDuration } from '../domain/duration.js';
import { DEFAULT_CARD_PATTERNS } from '../domain/membership.js';
import type { OrgOptions } from '../domain/org-index.js';
import { DEFAULT_SMS_TEMPLATES, templateProblems } from '../sms/templates.js';
import { adapterKind, adapterKinds, SIMULATED_PLATFORMS } from '../platform/registry.js';

const MINUTE = 60_000;
/** Default of replies.countAtOrAbove: an acknowledgement this sure is counted without review. */
export const DEFAULT_COUNT_AT_OR_ABOVE = 0.7;
const DAY = 24 * 60 * MINUTE;

/** A card pattern using only the placeholders of its kind, at least one of them. */
function cardPattern(allowed: readonly string[]) {
  return z.string().refine(
    (p) => {
      const used = p.match(/\{[^}]*\}/gu) ?? [];
      return used.length > 0 && used.every((u) => allowed.includes(u));
    },
    { message: `a card pattern uses ${allowed.join(' and/or ')} (and literal text)` },
  );
}

/** A duration as people write it (`30m`, `2h`, `1d`) or in ms. */
export const durationSchema = z.union([z.number().int().min(0), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const ms = parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${v} (try 30m, 2h, 1d)` });
    return z.NEVER;
  }
  return ms;
});

const clockTime = z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'a time of day like 22:30');

/**
 * One step of a level's chase policy. Actions: `mention` @-mentions who has not replied in their
 * group; `notice` reminds the group without naming anyone; `private` messages each of them (parents
 * where the platform allows it, otherwise their counselor is told); `nag` sends the responsible
 * person a private list; `sms` (L4 only) texts the directive to a silent family none of whose
 * guardians is in a parents group (with `sms.enabled: false`, that family goes on the counselor's call list).
 */
const chaseStepSchema = z
  .strictObject({
    /** After the directive reached the group (or, when chasing a completion report, after the person's reply). */
    after: durationSchema,
    action: z.enum(['mention', 'notice', 'private', 'nag', 'sms']),
    /** Repeat this often … */
    every: durationSchema.optional(),
    /** … this many times in all (default 1: no repeat). */
    times: z.number().int().min(1).max(20).default(1),
  })
  .refine((s) => s.times === 1 || (s.every !== undefined && s.every > 0), { message: 'a step with times > 1 needs every', path: ['every'] });

export type ChaseStepConfig = z.infer<typeof chaseStepSchema>;

const l4Only = (steps: readonly { action: string }[]): boolean => steps.every((x) => x.action !== 'sms');
const SMS_L4_ONLY = { message: 'sms reaches families: only L4 steps may be sms' };
const chaseLevels = z
  .strictObject({
    L1: z.array(chaseStepSchema).default([
      { after: 15 * MINUTE, action: 'mention', times: 1 },
      { after: 30 * MINUTE, action: 'private', times: 1 },
      { after: 60 * MINUTE, action: 'nag', every: 2 * 60 * MINUTE, times: 2 },
    ]).refine(l4Only, SMS_L4_ONLY),
    L2: z.array(chaseStepSchema).default([
      { after: 30 * MINUTE, action: 'mention', times: 1 },
      { after: 60 * MINUTE, action: 'nag', every: 2 * 60 * MINUTE, times: 2 },
    ]).refine(l4Only, SMS_L4_ONLY),
    L3: z.array(chaseStepSchema).default([
      { after: 60 * MINUTE, action: 'mention', times: 1 },
      { after: 120 * MINUTE, action: 'nag', times: 1 },
    ]).refine(l4Only, SMS_L4_ONLY),
    L4: z
      .array(chaseStepSchema)
      .default([
        { after: 60 * MINUTE, action: 'notice', times: 1 },
        { after: 90 * MINUTE, action: 'private', times: 1 },
        { after: 120 * MINUTE, action: 'sms', times: 1 },
        { after: 120 * MINUTE, action: 'nag', times: 1 },
      ])
      .refine((steps) => steps.every((s) => s.action !== 'mention'), {
        message: 'parents are never named in a group: L4 steps may be notice, private, sms or nag, not mention',
      }),
  })
  .prefault({});

/** The `chasing` section (drills may override parts of it). */
export const chasingSchema = z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Per level: which steps run, after how long, how often they repeat. */
      levels: chaseLevels,
      /** Reminders in quiet hours wait for their end, unless the directive is 紧急. null: no quiet hours. */
      quietHours: z
        .strictObject({ start: clockTime, end: clockTime })
        .nullable()
        .default({ start: '22:30', end: '07:00' }),
      /** At most this many reminders (mention, notice, private) per person per directive; nags to responsible people are not counted. */
      maxPerPerson: z.number().int().min(1).max(50).default(3),
      /** Nobody is reminded twice within this long, by `/催办` or automatically. */
      cooldown: durationSchema.default(10 * MINUTE),
      /** A group gets at most one nameless notice per directive this often (parents' groups stay quiet). */
      noticeGap: durationSchema.default(30 * MINUTE),
      /** Due times are rounded up to this step, so a directive's reminders go out in a few rounds, not one per reply. */
      granularity: durationSchema.default(MINUTE),
      /** The deadline summary goes out this long after the deadline, so it can list late replies. */
      summaryAfter: durationSchema.default(15 * MINUTE),
      /** Chase completion reports (落实) the same way, counted from each person's reply. */
      completion: z.boolean().default(true),
    })
    .refine((c) => c.granularity >= 1000, { message: 'chasing.granularity must be at least 1s', path: ['granularity'] })
    .prefault({});

/** Pacing of one account; every key overrides the `sending` section's. */
const accountPacing = {
  /** Overrides sending.minGapMs for this account. */
  minGapMs: z.number().int().min(0).optional(),
  jitterMs: z.number().int().min(0).optional(),
  perMinute: z.number().int().min(1).optional(),
  perDay: z.number().int().min(1).optional(),
  perGroupPerMinute: z.number().int().min(1).optional(),
  /** Whether this account may use @全体成员, and how often per group per day. */
  atAll: z.strictObject({ enabled: z.boolean().default(false), perGroupPerDay: z.number().int().min(1).default(2) }).optional(),
};

/** The id the roster's 群.账号 column uses. */
const accountId = z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/u, 'letters, digits, _ . - only');

/** Every account's keys besides its adapter's own. */
const accountCommon = { id: accountId, ...accountPacing };

/** The simulator's accounts: `platform: qq | wechat` (the demo school, drills, tests). */
const simulatedAccount = z.strictObject({ ...accountCommon, platform: z.enum(['qq', 'wechat']), adapter: z.literal('simulator').default('simulator') });

/**
 * A bot account. `platform` names the adapter: one of the registered adapters (`onebot`, `oicq` for
 * QQ; `wechaty` for WeChat; each adapter folder has a register.ts), or `qq` / `wechat` for an account played by
 * the built-in simulator. The adapter's own keys are checked by its schema.
 */
export type AccountConfig = z.infer<typeof simulatedAccount> | (Omit<z.infer<typeof simulatedAccount>, 'platform' | 'adapter'> & { readonly platform: string } & Readonly<Record<string, unknown>>);

/** The account schema of the adapters registered now (they register before any config is read). */
function accountSchemaNow(): z.ZodType {
  const real = adapterKinds().map((r) =>
    r.keys.extend({ ...accountCommon, platform: z.literal(r.kind) }).superRefine((a, ctx) => {
      // The checks spanning the adapter's keys (which transport needs which address …).
      const checked = r.options.safeParse(Object.fromEntries(Object.entries(a).filter(([k]) => k in r.keys.shape)));
      if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      if (!r.atAll && (a as { atAll?: { enabled?: boolean } }).atAll?.enabled === true) {
        ctx.addIssue({ code: 'custom', path: ['atAll'], message: `a ${r.kind} account cannot send @所有人` });
      }
    }),
  );
  const [first, ...rest] = real;
  return first ? z.union([simulatedAccount, first, ...rest]) : simulatedAccount;
}

/** One account entry, checked against the adapters registered when the config is read. */
const accountEntry = z.unknown().transform((value, ctx): AccountConfig => {
  const platform = (value as { platform?: unknown } | null)?.platform;
  const known = typeof platform === 'string' && ((SIMULATED_PLATFORMS as readonly string[]).includes(platform) || adapterKind(platform) !== undefined);
  if (!known) {
    const names = [...SIMULATED_PLATFORMS, ...adapterKinds().map((r) => r.kind)].join(', ');
    ctx.addIssue({ code: 'custom', path: ['platform'], message: `unknown platform ${String(platform)} (one of: ${names})` });
    return z.NEVER;
  }
  const schema = SIMULATED_PLATFORMS.includes(platform as 'qq' | 'wechat') ? simulatedAccount : accountSchemaNow();
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as AccountConfig;
  for (const issue of parsed.error.issues) {
    // A union reports each member's failure: only the member of this platform matters.
    const inner = issue.code === 'invalid_union' ? (issue.errors.find((e) => !e.some((i) => i.path[0] === 'platform')) ?? []) : [issue];
    for (const i of inner) {
      if (i.code === 'unrecognized_keys') for (const k of i.keys) ctx.addIssue({ code: 'custom', path: [...i.path, k], message: 'unknown key' });
      else ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
    }
  }
  return z.NEVER;
});

/** Whether an account is built from the registry (not played by the simulator). */
export function isRealAccount(a: AccountConfig): boolean {
  return !(SIMULATED_PLATFORMS as readonly string[]).includes(a.platform);
}

/** The chat platform an account's groups are on. */
export function chatPlatformOf(a: AccountConfig): 'qq' | 'wechat' {
  if (a.platform === 'qq' || a.platform === 'wechat') return a.platform;
  const network = adapterKind(a.platform)?.network;
  if (!network) throw new Error(`no adapter registered for platform ${a.platform}`);
  return network;
}

const smsTemplate = z.strictObject({
  id: z.string().min(1).max(64),
  params: z.record(z.string().min(1).max(32), z.string().max(200)),
});

export const configSchema = z.strictObject({
  school: z
    .strictObject({
      name: z.string().min(1).default('示范大学'),
      timeZone: z.string().min(1).default('Asia/Shanghai'),
    })
    .prefault({}),
  /** SQLite file, embedded Redis data and drill scratch space live here. */
  dataDir: z.string().min(1).default('./data'),
  /**
   * Roster imported at start when the store holds no org yet: a workbook, CSV file, directory or zip, or a
   * list of them (students from the 学工系统 export, staff and groups from files of their own).
   */
  org: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('config/demo'),
  /**
   * SMS beside the chat platforms (docs/sms.md): the L4 chase step `sms` and the directive option 短信
   * reach families outside the parents groups. Disabled: those families go on the counselor's call list.
   */
  sms: z
    .strictObject({
      enabled: z.boolean().default(false),
      provider: z.enum(['simulated', 'aliyun', 'tencent']).default('simulated'),
      /** Alibaba Cloud SMS (dysmsapi 2017-05-25). */
      aliyun: z
        .strictObject({
          accessKeyId: z.string().min(1),
          accessKeySecret: z.string().min(1),
          endpoint: z.string().min(1).default('dysmsapi.aliyuncs.com'),
          protocol: z.enum(['https', 'http']).default('https'),
          timeoutMs: z.number().int().min(1000).max(60_000).default(10_000),
        })
        .optional(),
      /** Tencent Cloud SMS (API 2021-01-11). */
      tencent: z
        .strictObject({
          secretId: z.string().min(1),
          secretKey: z.string().min(1),
          sdkAppId: z.string().min(1),
          region: z.string().min(1).default('ap-guangzhou'),
          endpoint: z.string().min(1).default('sms.tencentcloudapi.com'),
          protocol: z.enum(['https', 'http']).default('https'),
          timeoutMs: z.number().int().min(1000).max(60_000).default(10_000),
        })
        .optional(),
      /** The approved signature (签名), without 【】. */
      signName: z.string().min(2).max(20).default('示范大学'),
      /** Per kind of message, the approved template and how its parameters are filled. */
      templates: z
        .strictObject({
          directive: smsTemplate.default(DEFAULT_SMS_TEMPLATES.directive),
          reminder: smsTemplate.default(DEFAULT_SMS_TEMPLATES.reminder),
          code: smsTemplate.default(DEFAULT_SMS_TEMPLATES.code),
        })
        .prefault({})
        .superRefine((templates, ctx) => {
          for (const message of templateProblems(templates)) ctx.addIssue({ code: 'custom', message });
        }),
      /** The provider's limit on one parameter's value (Aliyun: 35 for most variables); longer values are cut. */
      maxParamChars: z.number().int().min(4).max(500).default(35),
      /** At most this many messages to one number a day (the school's day); more go on the call list. */
      perNumberPerDay: z.number().int().min(1).max(100).default(3),
      /** Gap between two messages (one provider, one queue). */
      minGapMs: z.number().int().min(0).default(1000),
      /** How often receipts and replies are pulled from the provider. */
      pullEvery: durationSchema.default(60_000),
    })
    .prefault({})
    .superRefine((sms, ctx) => {
      if (sms.provider === 'aliyun' && !sms.aliyun) ctx.addIssue({ code: 'custom', path: ['aliyun'], message: 'provider aliyun needs sms.aliyun: { accessKeyId, accessKeySecret }' });
      if (sms.provider === 'tencent' && !sms.tencent) ctx.addIssue({ code: 'custom', path: ['tencent'], message: 'provider tencent needs sms.tencent: { secretId, secretKey, sdkAppId }' });
      if (sms.enabled && sms.provider !== 'simulated' && Object.values(sms.templates).some((t) => t.id.startsWith('SIM_'))) {
        ctx.addIssue({ code: 'custom', path: ['templates'], message: `provider ${sms.provider} needs the approved templates' ids in sms.templates (directive, reminder, code)` });
      }
    }),
  /** Backups of the store (issue #17, docs/operations.md): a daily copy by SQLite's online backup API. */
  backup: z
    .strictObject({
      /** Where the copies go; default `<dataDir>/backups` (put it on another disk). */
      dir: z.string().min(1).optional(),
      /** How many daily copies are kept. */
      keep: z.number().int().min(1).max(3650).default(14),
      /** When the daily copy is made (school time); null: no scheduled copy (`cascade backup` still works). */
      at: clockTime.nullable().default('02:30'),
    })
    .prefault({}),
  /** The web console (issue #16, docs/web.md), served by `cascade start` / `npm start`. */
  web: z
    .strictObject({
      /** `host:port` it listens on; loopback by default (put a TLS reverse proxy in front to open it wider). */
      listen: z
        .string()
        .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/u, 'host:port, e.g. 127.0.0.1:3000')
        .default('127.0.0.1:3000'),
      /** The address people open (`https://cascade.example.edu.cn`), for links sent in chat; default http://<listen>. */
      publicUrl: z
        .string()
        .regex(/^https?:\/\/[^\s]+$/u, 'an http:// or https:// address')
        .optional(),
      /** A session ends after this long without a request. */
      sessionIdleMinutes: z.number().int().min(5).max(7 * 24 * 60).default(120),
      /** Login links asked for by one person (or at one address) within a minute, at most. */
      loginPerMinute: z.number().int().min(1).max(100).default(5),
    })
    .prefault({}),
  /** Retention of personal data (docs/security.md): a daily sweep at `sweepAt` removes what is no longer needed. */
  privacy: z
    .strictObject({
      /** Texts of messages that counted for nothing are removed after this many days. */
      keepMessagesDays: z.number().int().min(1).max(3650).default(30),
      /** Counted replies keep their text until their directive is this old, then only the label and time. */
      keepDirectivesDays: z.number().int().min(1).max(3650).default(365),
      /** The contact log, contact checks and contact fields of a person removed from the roster go this long after. */
      keepRemovedDays: z.number().int().min(1).max(3650).default(365),
      /** When the daily sweep runs (school time). */
      sweepAt: clockTime.default('03:30'),
    })
    .prefault({}),
  /** How roles the roster names take part. */
  roles: z
    .strictObject({
      headTeacher: z
        .strictObject({
          /**
           * 班主任 sit in their college's group (L2) and owe replies there like counselors. Default: only in
           * their class groups, with a counselor's rights for their classes.
           */
          collegeGroup: z.boolean().default(false),
        })
        .prefault({}),
    })
    .prefault({}),
  redis: z
    .strictObject({
      /** Unset: Cascade starts its own redis-server under dataDir. */
      url: z.string().url().optional(),
      /** Key prefix for every queue, so several deployments or tests can share one Redis. */
      prefix: z.string().min(1).default('cascade'),
      /**
       * With a `rediss://` url: a PEM file of the certificate authority that signed the server's certificate
       * (a private CA, a managed Redis's); unset, the system's authorities are trusted.
       */
      tlsCa: z.string().min(1).optional(),
    })
    .prefault({}),
  /** Bot accounts. Accounts named in the roster but not listed here run on the simulator. */
  accounts: z
    .array(accountEntry)
    .default([])
    .superRefine((accounts, ctx) => {
      const seen = new Set<string>();
      accounts.forEach((a, i) => {
        if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `account ${a.id} is listed twice` });
        seen.add(a.id);
      });
    }),
  sending: z
    .strictObject({
      /** Minimum gap between two sends of one account. Platforms ban accounts that send faster. */
      minGapMs: z.number().int().min(0).default(1500),
      /** Random extra delay added to each gap, 0..jitterMs. */
      jitterMs: z.number().int().min(0).default(500),
      /** Parallel sends per account when minGapMs is 0 (simulator benchmarks). */
      unpacedConcurrency: z.number().int().min(1).max(200).default(20),
      maxAttempts: z.number().int().min(1).max(50).default(5),
      retryBackoffMs: z.number().int().min(0).default(5_000),
      /** How long a send waits before trying again while its account is offline (not counted as an attempt). */
      offlineRetryMs: z.number().int().min(100).default(15_000),
      /** How often deliveries left unsent (a lost queue job) are queued again. */
      sweepIntervalMs: z.number().int().min(1_000).default(60_000),
      /** Budgets of a paced account (minGapMs or jitterMs above 0): sends in any minute, any 24 hours, into one group in a minute. */
      perMinute: z.number().int().min(1).default(30),
      perDay: z.number().int().min(1).default(3_000),
      perGroupPerMinute: z.number().int().min(1).default(6),
      /** A directive or reminder no bot can post for this long becomes a manual task (`/已转发`). */
      manualAfter: durationSchema.default(10 * MINUTE),
      /** The circuit breaker: how long an account rests after a risk signal (doubling on repeats within a day, up to maxPause). */
      breaker: z
        .strictObject({
          pause: durationSchema.default(30 * MINUTE),
          maxPause: durationSchema.default(6 * 60 * MINUTE),
          /** Sends in a row whose outcome is unknown (timeouts) before the account rests briefly (slowPause: a slow link is not a risk signal). */
          timeoutsToTrip: z.number().int().min(1).default(3),
          /** That rest; doubling on repeats within a day, up to maxSlowPause. */
          slowPause: durationSchema.default(MINUTE),
          maxSlowPause: durationSchema.default(15 * MINUTE),
          /** An account muted in a group leaves it alone this long. */
          mutedPause: durationSchema.default(60 * MINUTE),
        })
        .prefault({}),
    })
    .prefault({}),
  queue: z
    .strictObject({
      inboundConcurrency: z.number().int().min(1).max(500).default(50),
      /** A job held this long by a dead worker is taken over by another. */
      lockDurationMs: z.number().int().min(500).default(30_000),
      stalledIntervalMs: z.number().int().min(500).default(30_000),
    })
    .prefault({}),
  replies: z
    .strictObject({
      /** A reply counts toward directives issued at most this long ago. */
      windowMs: z.number().int().min(MINUTE).default(7 * DAY),
      /** A second 收到 within this long of the same person's counted one is a repeat, not an answer to an older directive. */
      repeatWindowMs: z.number().int().min(0).default(10 * MINUTE),
      /** A reply read as an acknowledgement with at least this confidence is counted at once. */
      countAtOrAbove: z.number().min(0).max(1).default(DEFAULT_COUNT_AT_OR_ABOVE),
      /** Below countAtOrAbove but at least this: kept on the review list (`/待确认`), counted once confirmed. */
      reviewAtOrAbove: z.number().min(0).max(1).default(0.45),
      /**
       * Two directives the sender still owes that reached the group at most this far apart: a reply
       * that cites neither (no quote, no number) is ambiguous and goes to review.
       */
      ambiguousWithinMs: z.number().int().min(0).default(10 * MINUTE),
      /** `刚才回错了` takes back the sender's counted reply in the group from at most this long ago. */
      retractWindowMs: z.number().int().min(0).default(30 * MINUTE),
    })
    .refine((r) => r.reviewAtOrAbove <= r.countAtOrAbove, {
      message: 'replies.reviewAtOrAbove must not be above replies.countAtOrAbove',
      path: ['reviewAtOrAbove'],
    })
    .prefault({}),
  chasing: chasingSchema,
  /** What an inbound message may carry into the app. */
  inbound: z
    .strictObject({
      /**
       * A longer text is cut to this many characters before it is queued or stored, marked, and never
       * counted as a reply. At least commands.noticeMaxChars is kept whatever is set here.
       */
      maxChars: z.number().int().min(1_000).max(1_000_000).default(20_000),
      /** Events held in memory while Redis is unreachable; more are dropped (and logged). */
      bufferEvents: z.number().int().min(100).max(1_000_000).default(20_000),
    })
    .prefault({}),
  /** Directives (`/通知`). */
  directives: z
    .strictObject({
      /**
       * How far a directive goes when it names no depth (层级=) and gives no parents' version: 3 reaches the
       * colleges and classes; parents need 层级=4 / 至=家长 or a 家长版 (issue #15). 4 restores the old default.
       */
      defaultDepth: z.union([z.literal(2), z.literal(3), z.literal(4)]).default(3),
      /**
       * Files and pictures the issuer sends in the same chat within this long after `/通知` are the
       * directive's attachments (issue #15), relayed right after its text.
       */
      attachWithin: durationSchema.default(3 * MINUTE),
      /** A larger attachment is refused (the issuer is told); the platforms take up to 25 MB (WeChat) and 100 MB (QQ). */
      attachMaxBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(25 * 1024 * 1024),
    })
    .prefault({}),
  /** Chat commands. */
  commands: z
    .strictObject({
      /** A command message longer than this is refused unread. */
      maxChars: z.number().int().min(50).max(65_536).default(1_000),
      /** The same for a command that carries a text to post (`/通知`): a notice may be long. */
      noticeMaxChars: z.number().int().min(50).max(65_536).default(10_000),
      /** Most ids one `/确认`, `/忽略` or `/已转发` may name (ranges included). */
      maxIds: z.number().int().min(1).max(10_000).default(200),
    })
    .prefault({}),
  /**
   * How often the bots answer one person without a staff role: every answer is a send on a paced
   * account whose budgets directives need. Staff are not limited.
   */
  answers: z
    .strictObject({
      perMinute: z.number().int().min(1).default(5),
      perDay: z.number().int().min(1).default(30),
      /** All such answers of one bot account (a third of its default budgets), so posts always have room. */
      accountPerMinute: z.number().int().min(1).default(10),
      accountPerDay: z.number().int().min(1).default(1_000),
      /** Someone who may use no command at all gets at most one refusal this often. */
      refusalEvery: durationSchema.default(60 * MINUTE),
      /** An account the roster does not know is told so at most this often. */
      strangerEvery: durationSchema.default(DAY),
    })
    .prefault({}),
  membership: z
    .strictObject({
      /** At most this many guardians of one student may bind themselves on one platform (`/绑定`). */
      maxGuardians: z.number().int().min(1).max(10).default(2),
      /** When the daily audit of every group runs (school time zone); it reports only what changed. null: never. */
      dailyAuditAt: clockTime.nullable().default('07:30'),
      /**
       * Pause between two remark (备注) writes on WeChat contacts after a login or a binding: the
       * platform rate-limits them like sends.
       */
      remarkGap: durationSchema.default(3_000),
      /**
       * How group cards are read, per kind of member, first fit wins: `{姓名}`, `{学号}` (students and
       * staff), `{学生姓名}`, `{关系}` (parents) and literal text; separators match any separator.
       */
      cardPatterns: z
        .strictObject({
          student: z.array(cardPattern(['{姓名}', '{学号}'])).min(1).default([...DEFAULT_CARD_PATTERNS.student]),
          guardian: z.array(cardPattern(['{学生姓名}', '{关系}'])).min(1).default([...DEFAULT_CARD_PATTERNS.guardian]),
          staff: z.array(cardPattern(['{姓名}', '{学号}'])).min(1).default([...DEFAULT_CARD_PATTERNS.staff]),
        })
        .prefault({}),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** auto: readable lines on a terminal, JSON lines otherwise (a pipe, a container, a file); or always one of them. */
      format: z.enum(['auto', 'json', 'pretty']).default('auto'),
      /** A file the service logs to (JSON lines), besides or instead of stdout; relative to the data directory. */
      file: z.string().min(1).optional(),
      /** With `file`: rotation (pino-roll) — a new file each day or at `size`, the `keep` newest kept. */
      rotate: z
        .strictObject({
          frequency: z.enum(['daily', 'hourly']).default('daily'),
          size: z.string().regex(/^\d+[kmg]$/u, 'a size like 20m').default('20m'),
          keep: z.number().int().min(1).max(365).default(14),
        })
        .optional(),
    })
    .prefault({}),
});

export type CascadeConfig = z.infer<typeof configSchema>;
export type ChasingConfig = CascadeConfig['chasing'];

/** The org's reading of roles, from the config (`roles.*`). */
export function orgOptions(config: Pick<CascadeConfig, 'roles'>): OrgOptions {
  return { headTeachersInCollegeGroup: config.roles.headTeacher.collegeGroup };
}

/** The roster sources of `org` as one text, for the import record and messages. */
export function orgSource(org: CascadeConfig['org']): string {
  return typeof org === 'string' ? org : org.join(', ');
}
