/**
 * The record of truth. drizzle-kit generates migrations/ from this file (`npm run db:generate`);
 * never edit migrations by hand.
 */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const colleges = sqliteTable('colleges', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
});

export const classes = sqliteTable('classes', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  collegeId: integer('college_id')
    .notNull()
    .references(() => colleges.id),
});

/** Students, staff and guardians. Contact fields are sensitive: never logged, never posted in a group. */
export const persons = sqliteTable(
  'persons',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['student', 'staff', 'guardian'] }).notNull(),
    extId: text('ext_id').notNull().unique(),
    name: text('name').notNull(),
    collegeId: integer('college_id').references(() => colleges.id),
    classId: integer('class_id').references(() => classes.id),
    phone: text('phone'),
    qq: text('qq'),
    wechat: text('wechat'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('persons_class_idx').on(t.classId)],
);

export const staffRoles = sqliteTable(
  'staff_roles',
  {
    personId: integer('person_id')
      .notNull()
      .references(() => persons.id),
    role: text('role', {
      enum: ['team_leader', 'team_member', 'deputy_secretary', 'college_leader', 'counselor', 'head_teacher'],
    }).notNull(),
    /** 0 for school-wide roles (SQLite primary keys and NULL do not mix well). */
    collegeId: integer('college_id').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.personId, t.role, t.collegeId] })],
);

export const counselorClasses = sqliteTable(
  'counselor_classes',
  {
    personId: integer('person_id')
      .notNull()
      .references(() => persons.id),
    classId: integer('class_id')
      .notNull()
      .references(() => classes.id),
  },
  (t) => [primaryKey({ columns: [t.personId, t.classId] })],
);

export const guardianships = sqliteTable(
  'guardianships',
  {
    guardianId: integer('guardian_id')
      .notNull()
      .references(() => persons.id),
    studentId: integer('student_id')
      .notNull()
      .references(() => persons.id),
    relation: text('relation').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guardianId, t.studentId] }), index('guardianships_student_idx').on(t.studentId)],
);

/** Logical groups: one per level and unit (see domain/org.ts for the key format). */
export const groups = sqliteTable('groups', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  key: text('key').notNull().unique(),
  level: integer('level').notNull(),
  kind: text('kind').notNull(),
  name: text('name').notNull(),
  collegeId: integer('college_id').references(() => colleges.id),
  classId: integer('class_id').references(() => classes.id),
});

export const platformGroups = sqliteTable(
  'platform_groups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    groupId: integer('group_id')
      .notNull()
      .references(() => groups.id),
    platform: text('platform', { enum: ['qq', 'wechat'] }).notNull(),
    chatId: text('chat_id').notNull(),
    /** Bot account ids serving this group, comma-separated, preferred first. */
    accounts: text('accounts').notNull(),
    name: text('name').notNull(),
  },
  (t) => [uniqueIndex('platform_groups_chat_uq').on(t.platform, t.chatId)],
);

/** Which platform account is which person: from the roster's QQ/微信 columns, or a confirmed binding. */
export const bindings = sqliteTable(
  'bindings',
  {
    platform: text('platform', { enum: ['qq', 'wechat'] }).notNull(),
    platformUserId: text('platform_user_id').notNull(),
    personId: integer('person_id')
      .notNull()
      .references(() => persons.id),
    source: text('source', { enum: ['roster', 'self', 'confirmed'] }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.platformUserId] }), index('bindings_person_idx').on(t.personId)],
);

export const imports = sqliteTable('imports', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  source: text('source').notNull(),
  at: integer('at').notNull(),
  /** JSON summary of what changed. */
  summary: text('summary').notNull(),
});

export const directives = sqliteTable('directives', {
  /** The 编号 people type in /未回复 <编号>. */
  id: integer('id').primaryKey({ autoIncrement: true }),
  issuerId: integer('issuer_id')
    .notNull()
    .references(() => persons.id),
  originGroupId: integer('origin_group_id')
    .notNull()
    .references(() => groups.id),
  originInboundId: integer('origin_inbound_id'),
  text: text('text').notNull(),
  /** Epoch ms; null when no deadline was given. */
  deadlineAt: integer('deadline_at'),
  /** Deepest level relayed to: 2, 3 or 4. */
  depth: integer('depth').notNull(),
  /** JSON array of college ids, or null for every college. */
  collegeIds: text('college_ids'),
  requireCompletion: integer('require_completion', { mode: 'boolean' }).notNull(),
  mode: text('mode', { enum: ['immediate', 'step'] }).notNull(),
  /** What the issuer asked people to reply, e.g. 收到 or 1. */
  replyHint: text('reply_hint').notNull(),
  status: text('status', { enum: ['open', 'closed', 'withdrawn'] }).notNull().default('open'),
  createdAt: integer('created_at').notNull(),
  /** `/撤回`: when and by whom. */
  withdrawnAt: integer('withdrawn_at'),
  withdrawnBy: integer('withdrawn_by'),
  /** 紧急: reminders ignore quiet hours. */
  urgent: integer('urgent', { mode: 'boolean' }).notNull().default(false),
  /** 短信: texted at release to families outside the parents groups. */
  sms: integer('sms', { mode: 'boolean' }).notNull().default(false),
  /** `家长版：…`: the text the parents groups receive instead of `text` (issue #15). */
  parentsText: text('parents_text'),
  /** The first level owing a reply: 1 (the school's directive), 3 (a deputy secretary's or counselor's own). */
  fromLevel: integer('from_level').notNull().default(1),
  /** JSON array of class ids (a counselor's directive); null: every class of its colleges. */
  classIds: text('class_ids'),
  /** `/收集`: a collection; `fields` the JSON array of fields read out of each answer. */
  collect: integer('collect', { mode: 'boolean' }).notNull().default(false),
  fields: text('fields'),
  /**
   * `至=干部群` (issue #15): JSON `[{ groupId, memberIds }]`, the extra groups it went to and the roster
   * students found in each when it was issued (who owe a reply); null: the levels.
   */
  extraGroups: text('extra_groups'),
  /** When the next automatic chase round is due (epoch ms), null when none is; shown by `/进度`. */
  nextChaseAt: integer('next_chase_at'),
});

/** Which logical groups a directive has been released to (all at once, or step by step). */
export const releases = sqliteTable(
  'releases',
  {
    directiveId: integer('directive_id')
      .notNull()
      .references(() => directives.id),
    groupId: integer('group_id')
      .notNull()
      .references(() => groups.id),
    releasedAt: integer('released_at').notNull(),
    /** Who released it (acknowledged above), null when released at creation. */
    releasedBy: integer('released_by'),
  },
  (t) => [primaryKey({ columns: [t.directiveId, t.groupId] })],
);

/**
 * The sent-ledger: every message a bot is to send, planned before it is queued, marked as it goes.
 * `key` is deterministic so planning twice yields one row.
 */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull().unique(),
    purpose: text('purpose', { enum: ['directive', 'reply', 'private', 'notice', 'withdrawal', 'correction', 'attachment'] }).notNull(),
    directiveId: integer('directive_id'),
    groupId: integer('group_id'),
    accountId: text('account_id').notNull(),
    platform: text('platform', { enum: ['qq', 'wechat'] }).notNull(),
    chatType: text('chat_type', { enum: ['group', 'private'] }).notNull(),
    /** Platform group id, or platform user id for a private message. */
    target: text('target').notNull(),
    text: text('text').notNull(),
    /** JSON array of platform user ids to @-mention. */
    mentions: text('mentions').notNull().default('[]'),
    quoteId: text('quote_id'),
    /** `manual`: no bot can reach the group; a person was asked to post it and confirm with `/已转发`. */
    status: text('status', { enum: ['planned', 'sending', 'sent', 'uncertain', 'failed', 'manual'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    platformMessageId: text('platform_message_id'),
    error: text('error'),
    plannedAt: integer('planned_at').notNull(),
    sentAt: integer('sent_at'),
    /** A manual task: who was asked to post it, when, and who confirmed it was posted (`/已转发`). */
    manualPersonId: integer('manual_person_id'),
    manualAt: integer('manual_at'),
    manualDoneBy: integer('manual_done_by'),
    /**
     * Its place in the account's send queue: `first` (answers to staff), `queued` (posts, reminders,
     * alerts, in order), `last` (answers to everyone else, after every post waiting). Null on rows
     * planned before this column: then it follows from the purpose.
     */
    lane: text('lane', { enum: ['first', 'queued', 'last'] }),
    /**
     * A manual task's kind: `post` (no bot can post it: the person posts it by hand) or `check` (a bot
     * may have posted it and the platform cannot tell: the person looks, then `/已转发` or `/重发`).
     */
    manualKind: text('manual_kind', { enum: ['post', 'check'] }),
    /**
     * A withdrawal (issue #15): the platform id of the bot's post to recall; when the platform cannot
     * (any more), `text` — a short withdrawal notice — is posted instead.
     */
    recallOf: text('recall_of'),
    /** A file or picture this delivery posts (issue #15); `text` is then the line posted instead where the chat cannot take it. */
    attachmentId: integer('attachment_id'),
    /** Why the file was not posted and `text` went instead (the platform or the group cannot take files). */
    fileFallback: text('file_fallback'),
  },
  (t) => [
    index('deliveries_status_idx').on(t.status, t.accountId),
    index('deliveries_directive_idx').on(t.directiveId),
    index('deliveries_pmid_idx').on(t.platform, t.target, t.platformMessageId),
  ],
);

/** Every inbound message, once, and what it was taken to mean. */
export const inboundMessages = sqliteTable(
  'inbound_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    dedupeKey: text('dedupe_key').notNull().unique(),
    platform: text('platform', { enum: ['qq', 'wechat'] }).notNull(),
    accountId: text('account_id').notNull(),
    chatType: text('chat_type', { enum: ['group', 'private'] }).notNull(),
    chatId: text('chat_id').notNull(),
    groupId: integer('group_id'),
    platformMessageId: text('platform_message_id'),
    senderPlatformId: text('sender_platform_id').notNull(),
    senderPersonId: integer('sender_person_id'),
    text: text('text').notNull(),
    quoteId: text('quote_id'),
    at: integer('at').notNull(),
    /** ack | negative | command | other | unknown_sender ... */
    meaning: text('meaning'),
    confidence: real('confidence'),
    directiveId: integer('directive_id'),
    /** JSON of what else the reply said: names, relation, figures, directive cited, retraction, 接龙 lines credited. */
    detail: text('detail'),
    /** Set when the message was recalled on the platform or taken back by its sender; its acknowledgements are gone. */
    withdrawnAt: integer('withdrawn_at'),
    /** JSON of the files and pictures it carried, as the platform described them (`InboundFile[]`); null: none. */
    files: text('files'),
  },
  (t) => [
    index('inbound_group_at_idx').on(t.groupId, t.at),
    // Finds the same message seen by two bot accounts where the platform gives no shared id.
    index('inbound_fingerprint_idx').on(t.platform, t.chatId, t.senderPlatformId, t.at),
  ],
);

/**
 * Each bot account's sighting of a group message, by that account's own message id, where the
 * platform numbers messages per account (OneBot): a redelivery is one sighting, a second account's
 * copy is a sighting of the same stored message, and two real messages alike in sender, text and time
 * stay two (an account never sees one message twice under two ids).
 */
export const inboundSightings = sqliteTable(
  'inbound_sightings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: text('account_id').notNull(),
    platform: text('platform', { enum: ['qq', 'wechat'] }).notNull(),
    chatId: text('chat_id').notNull(),
    platformMessageId: text('platform_message_id').notNull(),
    /** The stored message it is (its own row, or the row another account stored first). */
    inboundId: integer('inbound_id').notNull(),
    senderPlatformId: text('sender_platform_id').notNull(),
    /** sha1 of the text (16 hex): copies are found by sender, text and time. */
    textHash: text('text_hash').notNull(),
    /** What it quotes, where this account can tell (`d<directive>`); null: unknown or nothing. */
    quoteRef: text('quote_ref'),
    at: integer('at').notNull(),
  },
  (t) => [
    uniqueIndex('sightings_account_message_uq').on(t.accountId, t.platform, t.chatId, t.platformMessageId),
    index('sightings_copy_idx').on(t.platform, t.chatId, t.senderPlatformId, t.at),
  ],
);

/** One row per (directive, level, kind, subject, college): subject is the person who owed the reply (the student, for L4). */
export const acknowledgements = sqliteTable(
  'acknowledgements',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    directiveId: integer('directive_id')
      .notNull()
      .references(() => directives.id),
    level: integer('level').notNull(),
    kind: text('kind', { enum: ['ack', 'done'] }).notNull(),
    subjectId: integer('subject_id').notNull(),
    /** Who replied; null when the sender is not (yet) bound to a person (`张三妈妈收到` from an unknown account). */
    byPersonId: integer('by_person_id'),
    collegeId: integer('college_id'),
    classId: integer('class_id'),
    groupId: integer('group_id').notNull(),
    inboundId: integer('inbound_id').notNull(),
    at: integer('at').notNull(),
    late: integer('late', { mode: 'boolean' }).notNull(),
    /** How it was counted: a reply, a 接龙 line, a reviewer's decision, or a counselor's call (`/已联系`). */
    via: text('via', { enum: ['reply', 'chain', 'review', 'call', 'sms'] }).notNull().default('reply'),
  },
  (t) => [
    index('ack_inbound_idx').on(t.inboundId),
    // Per college: a deputy secretary of two colleges answers for both.
    uniqueIndex('ack_subject_college_uq').on(t.directiveId, t.level, t.kind, t.subjectId, t.collegeId),
    index('ack_college_idx').on(t.directiveId, t.collegeId),
    index('ack_by_person_idx').on(t.byPersonId, t.groupId, t.at),
  ],
);

/**
 * Replies a person should look at: low-confidence or ambiguous acknowledgements (not counted until
 * confirmed), "didn't get it" reports, and accounts that named a student (a binding to confirm).
 */
export const reviewItems = sqliteTable(
  'review_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['low_confidence', 'ambiguous', 'attribution', 'binding', 'negative', 'chain', 'impersonation', 'question'] }).notNull(),
    inboundId: integer('inbound_id').notNull(),
    groupId: integer('group_id'),
    /** Who may settle it: the college and, where known, the class the reply concerns. */
    collegeId: integer('college_id'),
    classId: integer('class_id'),
    senderPersonId: integer('sender_person_id'),
    /** How the sender appears in the group (card or nickname), for the list. */
    senderName: text('sender_name').notNull(),
    label: text('label').notNull(),
    confidence: real('confidence'),
    /** The directive it most likely answers (an ambiguous reply lists the others in `pending`). */
    directiveId: integer('directive_id'),
    /** JSON array of the acknowledgements confirming it would record (one per directive, level and subject). */
    pending: text('pending').notNull().default('[]'),
    /** Binding suggestions: the person the account would be bound to. */
    suggestedPersonId: integer('suggested_person_id'),
    /** The account the item is about when it is not the message's sender (a WeChat 接龙 row's author). */
    platformUserId: text('platform_user_id'),
    /** The part of the message at issue (a 接龙 line), when not the whole reply. */
    excerpt: text('excerpt'),
    status: text('status', { enum: ['open', 'confirmed', 'dismissed', 'withdrawn'] }).notNull().default('open'),
    decidedBy: integer('decided_by'),
    decidedAt: integer('decided_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('review_open_idx').on(t.status, t.collegeId), index('review_inbound_idx').on(t.inboundId)],
);

/** The latest version of each hand-typed 接龙 in a chat, to tell what the next version adds. */
export const chains = sqliteTable(
  'chains',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    platform: text('platform', { enum: ['qq', 'wechat'] }).notNull(),
    chatId: text('chat_id').notNull(),
    /** The header, normalised (see domain/chain.ts chainKey). */
    key: text('key').notNull(),
    /** The directive the chain answers, fixed when it first appears. */
    directiveId: integer('directive_id'),
    /** JSON array of the entry lines of the latest version. */
    lines: text('lines').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('chains_chat_key_uq').on(t.platform, t.chatId, t.key)],
);

/**
 * One chase round of a directive: an automatic one (key `auto-<due>`), one asked for with `/催办`
 * (`manual-<inbound id>`), or the deadline summary (`summary`). Written in the same transaction as
 * the reminders and the deliveries it plans, so a round runs once.
 */
export const chaseRounds = sqliteTable(
  'chase_rounds',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    directiveId: integer('directive_id')
      .notNull()
      .references(() => directives.id),
    key: text('key').notNull(),
    kind: text('kind', { enum: ['auto', 'manual', 'summary'] }).notNull(),
    /** Who asked (manual rounds). */
    byPersonId: integer('by_person_id'),
    at: integer('at').notNull(),
    /** People reminded (one per subject and step). */
    reminded: integer('reminded').notNull(),
    /** Messages planned. */
    messages: integer('messages').notNull(),
  },
  (t) => [uniqueIndex('chase_rounds_key_uq').on(t.directiveId, t.key)],
);

/**
 * Who was reminded of what: one row per (directive, level, kind, subject, step, n). The unique key
 * is what makes a reminder happen at most once per round per person, across crashes.
 */
export const chaseReminders = sqliteTable(
  'chase_reminders',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    directiveId: integer('directive_id')
      .notNull()
      .references(() => directives.id),
    roundId: integer('round_id').notNull(),
    level: integer('level').notNull(),
    /** `ack`: has not replied; `done`: replied, has not reported completion. */
    kind: text('kind', { enum: ['ack', 'done'] }).notNull(),
    subjectId: integer('subject_id').notNull(),
    collegeId: integer('college_id'),
    classId: integer('class_id'),
    /** Index of the policy step; -1 for a manual round. */
    step: integer('step').notNull(),
    /** Repeat number within the step (manual rounds: the round id). */
    n: integer('n').notNull(),
    /** How: mention | notice | private | nag | relay (the responsible person was told instead). */
    action: text('action').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [uniqueIndex('chase_reminders_uq').on(t.directiveId, t.level, t.kind, t.subjectId, t.step, t.n)],
);

/** Each membership audit of a logical group: who was identified there, and the findings (JSON). */
export const audits = sqliteTable(
  'audits',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    groupId: integer('group_id')
      .notNull()
      .references(() => groups.id),
    at: integer('at').notNull(),
    /** `manual` (`/核对`, drills) or `daily`: the daily audit reports what changed since the previous daily one. */
    kind: text('kind', { enum: ['manual', 'daily'] }).notNull(),
    /** Who asked (`/核对`), null for a scheduled audit. */
    byPersonId: integer('by_person_id'),
    /** JSON array of the person ids identified in the group. */
    present: text('present').notNull(),
    /** JSON of the findings: missing, strangers, unmatched, badCard, duplicates, left. */
    findings: text('findings').notNull(),
  },
  (t) => [index('audits_group_idx').on(t.groupId, t.kind, t.at)],
);

/** Every change of a binding: who asked or decided, when, and what happened (`/绑定`, `/确认`). */
export const bindingEvents = sqliteTable(
  'binding_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    platform: text('platform', { enum: ['qq', 'wechat'] }).notNull(),
    platformUserId: text('platform_user_id').notNull(),
    personId: integer('person_id'),
    /** bound | held | refused | confirmed | replaced */
    action: text('action').notNull(),
    /** Who made the change: the person binding themselves, or the counselor who confirmed. */
    byPersonId: integer('by_person_id'),
    reason: text('reason'),
    at: integer('at').notNull(),
  },
  (t) => [index('binding_events_account_idx').on(t.platform, t.platformUserId)],
);

/**
 * The member list of each platform group as last read in full (`member_lists.refreshed_at`), kept
 * current between reads with join and leave events. Ids are canonical (see `session_ids`).
 */
export const memberLists = sqliteTable(
  'member_lists',
  {
    platform: text('platform', { enum: ['qq', 'wechat'] }).notNull(),
    chatId: text('chat_id').notNull(),
    /** The group's name on the platform at the last read (WeChat rooms are found again by it after a login). */
    topic: text('topic'),
    refreshedAt: integer('refreshed_at').notNull(),
    /** The bot account that read it. */
    accountId: text('account_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.chatId] })],
);

export const groupMembers = sqliteTable(
  'group_members',
  {
    platform: text('platform', { enum: ['qq', 'wechat'] }).notNull(),
    chatId: text('chat_id').notNull(),
    userId: text('user_id').notNull(),
    nickname: text('nickname').notNull(),
    card: text('card'),
    role: text('role', { enum: ['owner', 'admin', 'member'] }).notNull(),
    /** When a join event added the member; null when they were found by a full read. */
    joinedAt: integer('joined_at'),
  },
  (t) => [primaryKey({ columns: [t.platform, t.chatId, t.userId] })],
);

/**
 * Where a platform's ids change at every login (wechat4u), what each id of the current session of a
 * bot account stands for: the canonical id the rest of Cascade uses (the roster's or a binding's id,
 * else the id the person was first seen with), and how that was decided.
 */
export const sessionIds = sqliteTable(
  'session_ids',
  {
    accountId: text('account_id').notNull(),
    kind: text('kind', { enum: ['user', 'group'] }).notNull(),
    sessionId: text('session_id').notNull(),
    canonicalId: text('canonical_id').notNull(),
    /** same | remark | list | card | topic | new */
    resolvedBy: text('resolved_by').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.kind, t.sessionId] }),
    uniqueIndex('session_ids_canonical_uq').on(t.accountId, t.kind, t.canonicalId),
  ],
);

/**
 * Each bot account's state as the running service last saw it, for `cascade accounts` (another
 * process): the connection, the circuit breaker, the last sign of life.
 */
export const accountStatus = sqliteTable('account_status', {
  accountId: text('account_id').primaryKey(),
  platform: text('platform').notNull(),
  /** online | connecting | login_required | offline */
  state: text('state').notNull(),
  detail: text('detail'),
  /** The circuit breaker holds the account's sends until then (epoch ms); null when closed. */
  pausedUntil: integer('paused_until'),
  pauseReason: text('pause_reason'),
  lastHeartbeatAt: integer('last_heartbeat_at'),
  /** The bot's own user id on its platform, once logged in. */
  selfId: text('self_id'),
  updatedAt: integer('updated_at').notNull(),
});

/** Steps of a login an operator gives from the command line (`cascade login`), for the running service to carry out. */
export const accountActions = sqliteTable('account_actions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  accountId: text('account_id').notNull(),
  /** ticket | resume */
  kind: text('kind').notNull(),
  /** The slider ticket; never logged. */
  payload: text('payload'),
  createdAt: integer('created_at').notNull(),
  doneAt: integer('done_at'),
  /** done | unsupported | failed: <reason> */
  result: text('result'),
});

/**
 * Jobs that failed for good (no attempt left), and messages whose handler failed: what `cascade status`
 * shows, each under the error number the log line and the apology carry.
 */
export const failures = sqliteTable(
  'failures',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    errorNo: text('error_no').notNull(),
    /** The queue (`inbound`, `send-<account>`, `chase` …) or `message` for a message's handler. */
    queue: text('queue').notNull(),
    /** The job's id, or the inbound message's. */
    ref: text('ref').notNull(),
    attempts: integer('attempts').notNull(),
    /** The error's name and message (never a message text or a phone number). */
    error: text('error').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('failures_at').on(t.at)],
);

/** The queues' counts as the running service last saw them (`cascade status`). */
/**
 * A time a bot account was away (its link down, the service restarted) while groups it serves had open
 * directives, and whether what was said meanwhile was read back from the platform's history.
 */
export const accountGaps = sqliteTable(
  'account_gaps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: text('account_id').notNull(),
    fromAt: integer('from_at').notNull(),
    toAt: integer('to_at').notNull(),
    /** 1: every such group was read back completely; 0: replies sent meanwhile may be missing. */
    recovered: integer('recovered').notNull(),
    /** Messages read back (people's; duplicates of what arrived live included). */
    caught: integer('caught').notNull().default(0),
  },
  (t) => [index('account_gaps_to_idx').on(t.toAt)],
);

/** The running service's own state (`redis`: whether it answers, the inbound events held), for `cascade status`. */
export const serviceHealth = sqliteTable('service_health', {
  key: text('key').primaryKey(),
  /** JSON. */
  value: text('value').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const queueStatus = sqliteTable('queue_status', {
  queue: text('queue').primaryKey(),
  waiting: integer('waiting').notNull(),
  active: integer('active').notNull(),
  delayed: integer('delayed').notNull(),
  failed: integer('failed').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * How each contact in the address book (通讯录) was verified, as a history: a counselor's call, an SMS
 * code answered, a wrong number corrected, a contact that could not be reached. Never deleted. Phones
 * are sensitive: never logged, never posted in a group.
 */
export const contactChecks = sqliteTable(
  'contact_checks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    personId: integer('person_id')
      .notNull()
      .references(() => persons.id),
    /** call: confirmed by phone; sms: answered a code sent to the number; unreachable: tried and failed. */
    method: text('method', { enum: ['call', 'sms', 'unreachable'] }).notNull(),
    /** The number that was checked (the roster's, or the corrected one). */
    phone: text('phone'),
    /** The roster's number this check corrected, when it gave a new one. */
    replacedPhone: text('replaced_phone'),
    /** Who recorded it (a staff person); null for Cascade itself (an SMS code). */
    byPersonId: integer('by_person_id'),
    at: integer('at').notNull(),
  },
  (t) => [index('contact_checks_person_idx').on(t.personId, t.at)],
);

/**
 * The home–school contact log (家校联系工作日志): every contact with a family, by staff (`/记录`) or by
 * Cascade itself (private reminders to guardians, SMS, phone tasks handed to counselors). Never deleted: a
 * correction is a new row pointing at the entry it corrects (`corrects_id`, the first entry of the chain).
 */
export const contactLog = sqliteTable(
  'contact_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** When the contact was made. */
    at: integer('at').notNull(),
    /** The staff person who made it; null for Cascade itself. */
    byPersonId: integer('by_person_id'),
    studentId: integer('student_id')
      .notNull()
      .references(() => persons.id),
    /** The student or guardian reached; null for the family unspecified (家长). */
    contactPersonId: integer('contact_person_id'),
    /** 本人, 父亲, 母亲, 家长 … as shown. */
    contactLabel: text('contact_label').notNull(),
    channel: text('channel', { enum: ['phone', 'sms', 'wechat', 'qq', 'video', 'meeting', 'bot_private', 'bot_sms', 'phone_task'] }).notNull(),
    /** What was said, in a line. */
    text: text('text').notNull(),
    /** The outcome or follow-up. */
    outcome: text('outcome'),
    source: text('source', { enum: ['staff', 'cascade'] }).notNull(),
    /** Cascade's own entries: the exactly-once key of what caused them. */
    autoKey: text('auto_key').unique(),
    /** A bot message or SMS it records: its delivery in the sent-ledger (for its status). */
    deliveryKey: text('delivery_key'),
    /** A correction: the entry it corrects (the first of the chain). */
    correctsId: integer('corrects_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('contact_log_student_idx').on(t.studentId, t.at),
    index('contact_log_by_idx').on(t.byPersonId, t.createdAt),
    index('contact_log_at_idx').on(t.at),
    index('contact_log_contact_idx').on(t.contactPersonId, t.at),
  ],
);

/**
 * Families (and students) a chase round handed to a counselor to phone, numbered for `/已联系 <编号> <结果>`:
 * one per directive, level, kind, subject and counselor.
 */
export const callTasks = sqliteTable(
  'call_tasks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    directiveId: integer('directive_id')
      .notNull()
      .references(() => directives.id),
    level: integer('level').notNull(),
    kind: text('kind', { enum: ['ack', 'done'] }).notNull(),
    /** The student (for L4, the family is the student's). */
    subjectId: integer('subject_id').notNull(),
    collegeId: integer('college_id'),
    classId: integer('class_id'),
    /** The counselor (or other responsible person) asked to phone. */
    personId: integer('person_id').notNull(),
    createdAt: integer('created_at').notNull(),
    doneAt: integer('done_at'),
    doneBy: integer('done_by'),
  },
  (t) => [uniqueIndex('call_tasks_uq').on(t.directiveId, t.level, t.kind, t.subjectId, t.personId)],
);

/**
 * The sent-ledger's SMS part: every SMS planned in the transaction of its cause, with an exactly-once key,
 * sent once through the SMS queue. `uncertain`: the provider was called and no answer came (never sent
 * again blindly). Phones are sensitive: never logged whole.
 */
export const smsDeliveries = sqliteTable(
  'sms_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull().unique(),
    kind: text('kind', { enum: ['directive', 'reminder', 'code'] }).notNull(),
    phone: text('phone').notNull(),
    /** Whom it is for (a guardian or a student), and the student whose family it concerns. */
    personId: integer('person_id'),
    studentId: integer('student_id'),
    directiveId: integer('directive_id'),
    templateId: text('template_id').notNull(),
    /** JSON array of [name, value] pairs, in the template's order. */
    params: text('params').notNull(),
    /** 紧急: sent in quiet hours too. */
    urgent: integer('urgent', { mode: 'boolean' }).notNull().default(false),
    status: text('status', { enum: ['planned', 'sending', 'sent', 'delivered', 'failed', 'uncertain', 'skipped'] }).notNull(),
    /** Why it failed or was skipped (`per_number_cap`, the provider's code). */
    reason: text('reason'),
    providerId: text('provider_id'),
    attempts: integer('attempts').notNull().default(0),
    plannedAt: integer('planned_at').notNull(),
    sentAt: integer('sent_at'),
    receiptAt: integer('receipt_at'),
  },
  (t) => [index('sms_phone_idx').on(t.phone, t.plannedAt), index('sms_status_idx').on(t.status), index('sms_provider_idx').on(t.providerId)],
);

/**
 * Who viewed or exported personal data (issue #14): the address book, call lists, names of people who have
 * not replied, the contact log, exports; when, and what scope. Read with `cascade access-log`.
 */
export const accessLog = sqliteTable(
  'access_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    /** The staff person; null for the command line (`by` then names the operator's account). */
    byPersonId: integer('by_person_id'),
    by: text('by').notNull(),
    what: text('what', { enum: ['address_book', 'call_list', 'non_responders', 'contact_log', 'export_address_book', 'export_contact_log', 'export_directive', 'membership'] }).notNull(),
    /** The class, college, student (学号) or `全校` looked at. */
    scope: text('scope').notNull(),
  },
  (t) => [index('access_log_at_idx').on(t.at), index('access_log_by_idx').on(t.byPersonId, t.at)],
);

/**
 * A `/绑定` waiting for its proof (issue #14): the six-digit code sent by SMS to the phone the roster
 * holds for the person, answered in the same private chat within 10 minutes. Only its hash is kept
 * here. `held`: no SMS could prove it (no provider, no phone, the number's codes used up): a counselor's
 * `/确认` decides.
 */
export const bindingRequests = sqliteTable(
  'binding_requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    platform: text('platform', { enum: ['qq', 'wechat'] }).notNull(),
    platformUserId: text('platform_user_id').notNull(),
    personId: integer('person_id').notNull(),
    studentId: integer('student_id').notNull(),
    codeHash: text('code_hash'),
    status: text('status', { enum: ['pending', 'verified', 'expired', 'failed', 'held', 'replaced'] }).notNull(),
    wrongCodes: integer('wrong_codes').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    decidedAt: integer('decided_at'),
  },
  (t) => [index('binding_requests_account_idx').on(t.platform, t.platformUserId, t.status)],
);

/** `/更正 <编号> <新文本>` (issue #15): each correction posted to every group that got the directive. */
export const directiveCorrections = sqliteTable(
  'directive_corrections',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    directiveId: integer('directive_id').notNull(),
    text: text('text').notNull(),
    byPersonId: integer('by_person_id').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('directive_corrections_directive_idx').on(t.directiveId)],
);

/** A collection's answers (issue #15): one per person owed a reply, the latest reply kept. */
export const collectedAnswers = sqliteTable(
  'collected_answers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    directiveId: integer('directive_id').notNull(),
    level: integer('level').notNull(),
    subjectId: integer('subject_id').notNull(),
    byPersonId: integer('by_person_id'),
    inboundId: integer('inbound_id').notNull(),
    text: text('text').notNull(),
    /** JSON object: field → value, for the fields the directive names. */
    fields: text('fields'),
    at: integer('at').notNull(),
  },
  (t) => [uniqueIndex('collected_answers_uq').on(t.directiveId, t.level, t.subjectId)],
);

/**
 * Files and pictures a directive carries (issue #15), and files Cascade sends itself (an export). The bytes
 * live under the data directory (`attachments/<sha256>`); a row is `pending` until they are fetched from
 * the platform, then `stored`, or `failed` (too large, the platform would not give them).
 */
export const attachments = sqliteTable(
  'attachments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    directiveId: integer('directive_id'),
    kind: text('kind', { enum: ['image', 'file'] }).notNull(),
    /** The file's name as people see it (a picture without one gets `图片N.<ext>`). */
    name: text('name').notNull(),
    size: integer('size'),
    sha256: text('sha256'),
    status: text('status', { enum: ['pending', 'stored', 'failed'] }).notNull(),
    /** `message`: a file someone sent with a directive; `export`: a workbook Cascade made (`/导出`), kept a day. */
    origin: text('origin', { enum: ['message', 'export'] }).notNull().default('message'),
    /** Where the bytes come from while pending: JSON `{ platform, accountId, chatType, chatId, file }`. */
    source: text('source'),
    /** Why it failed (English, for operators). */
    error: text('error'),
    /** Who attached it. */
    personId: integer('person_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('attachments_directive_idx').on(t.directiveId)],
);

/**
 * One-time login links of the web console (issue #16): `/登录` in a private chat, or `cascade web-login`.
 * Only the SHA-256 of the token is kept; a link works once, within ten minutes.
 */
export const webLoginTokens = sqliteTable('web_login_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  personId: integer('person_id').notNull(),
  /** `chat` (`/登录`) or `cli` (`cascade web-login`). */
  via: text('via', { enum: ['chat', 'cli'] }).notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
  usedAt: integer('used_at'),
});

/**
 * Web console sessions, server-side (issue #16): the cookie holds a random id, the store its SHA-256. A session
 * ends after `web.sessionIdleMinutes` without a request, at logout, or when revoked (`cascade web-logout`).
 */
export const webSessions = sqliteTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    personId: integer('person_id').notNull(),
    /** The token every form of this session carries (CSRF). */
    csrf: text('csrf').notNull(),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('web_sessions_person_idx').on(t.personId)],
);
