/**
 * Every key that makes something happen once, in one place: delivery keys of the sent-ledger
 * (planning the same key twice is one row, so one post), inbound dedupe keys (the same platform
 * message seen twice is stored once), chase round keys and queue job ids (queuing the same job twice
 * is one job). These formats are stored in SQLite and Redis: changing one makes a delivery planned
 * before an upgrade look new after it, which is a duplicate post. Extend, never rewrite.
 */
import { createHash } from 'node:crypto';
import type { Platform } from '../domain/org.js';

/** How a delivery key names one bot message. */
export const deliveryKey = {
  /** A directive's post into one platform group. */
  directivePost: (directiveId: number, platformGroupId: number): string => `d${directiveId}-pg${platformGroupId}`,
  /** A directive's file or picture into one platform group, right after its post (issue #15). */
  attachmentPost: (directiveId: number, platformGroupId: number, attachmentId: number): string => `d${directiveId}-pg${platformGroupId}-f${attachmentId}`,
  /** A file Cascade sends someone privately (an export workbook): once per file. */
  filePrivate: (attachmentId: number): string => `f${attachmentId}-private`,
  /** `/答复`: the answer to a question on the review list (once, whoever answers). */
  questionAnswer: (reviewItemId: number): string => `q${reviewItemId}-answer`,
  /** `/撤回`: the recall (or withdrawal notice) of a directive's post in one platform chat. */
  withdrawal: (directiveId: number, platform: string, chatId: string): string => `d${directiveId}-w-${platform}:${chatId}`,
  /** `/撤回`: the recall of one of a directive's file posts in a platform chat whose post is recalled. */
  withdrawalFile: (directiveId: number, platform: string, chatId: string, attachmentId: number): string => `d${directiveId}-w-${platform}:${chatId}-f${attachmentId}`,
  /** `/补充`: a college's n-th addition to a directive, in one platform chat of that college. */
  supplement: (directiveId: number, collegeId: number, n: number, platform: string, chatId: string): string => `d${directiveId}-s${collegeId}.${n}-${platform}:${chatId}`,
  /** `/更正`: the n-th correction of a directive in one platform chat. */
  correction: (directiveId: number, n: number, platform: string, chatId: string): string => `d${directiveId}-c${n}-${platform}:${chatId}`,
  /** The n-th message answering one inbound message (a redelivered message answers once). */
  answer: (inboundId: number, n: number): string => `r${inboundId}-${n}`,
  /** The apology for a message whose job failed for good before it was stored (by the job's id). */
  apology: (jobId: string): string => `apology-${jobId}`,
  /** Part i (1-based) of a text split at the platform's limit. */
  part: (key: string, i: number): string => `${key}.p${i}`,
  /** A manual task: the private message asking a person to post delivery `deliveryId` by hand. */
  manualTask: (deliveryId: number, personId: number): string => `manual-${deliveryId}-${personId}`,
  /** A person asked to look whether a post whose outcome is unknown is in the group. */
  manualCheck: (deliveryId: number, personId: number): string => `check-${deliveryId}-${personId}`,
  /** An operators' alert (e.g. a breaker trip) to one person. */
  alert: (alert: string, personId: number): string => `${alert}-${personId}`,
  /** The alert of one breaker trip (the pause's end tells trips apart). */
  breakerAlert: (accountId: string, until: number): string => `breaker-${accountId}-${until}`,
  /** One person's daily audit report: per day and content, so a re-run with news sends the news. */
  dailyAudit: (day: string, personId: number, digest: string): string => `daily-audit-${day}-${personId}-${digest}`,
  /** A counselor told that a student left their class group. */
  memberLeft: (platform: Platform, chatId: string, userId: string, at: number, counselorId: number): string =>
    `leave-${platform}-${chatId}-${userId}-${at}-${counselorId}`,
  /** A directive's deadline summary to one person. */
  chaseSummary: (directiveId: number, personId: number): string => `c${directiveId}-summary-${personId}`,
  /** An SMS of a directive to a student's family: at release (`directive`) or a chase step. */
  smsFamily: (directiveId: number, studentId: number, cause: string): string => `sms-d${directiveId}-s${studentId}-${cause}`,
  /** The messages of one chase round. */
  chase: (directiveId: number, roundId: number) => {
    const prefix = `c${directiveId}-r${roundId}-`;
    return {
      /** A nameless reminder in a platform group (ends in NOTICE_SUFFIX: the notice gap reads it back). */
      notice: (platformGroupId: number, kind: string): string => `${prefix}pg${platformGroupId}-${kind}${NOTICE_SUFFIX}`,
      /** Batch b (1-based) of @-mentions in a platform group. */
      mention: (platformGroupId: number, kind: string, batch: number): string => `${prefix}pg${platformGroupId}-${kind}-m${batch}`,
      /** The list sent privately to a responsible person. */
      nag: (personId: number, kind: string): string => `${prefix}n${personId}-${kind}`,
      /** A private reminder to a guardian about their child. */
      guardian: (guardianId: number, kind: string, studentId: number): string => `${prefix}p${guardianId}-${kind}-s${studentId}`,
      /** A private reminder to the person who owes a reply at a level. */
      person: (personId: number, kind: string, level: number): string => `${prefix}p${personId}-${kind}-L${level}`,
    };
  },
};

/** The end of a chase notice's key; the ledger finds a group's last notice by it. */
export const NOTICE_SUFFIX = '-notice';

/** Whether a delivery key is a directive's post (drills quote the latest one). */
export function isDirectivePostKey(key: string): boolean {
  return /^d\d+-pg\d+(?:\.p\d+)?$/u.test(key);
}

/** Keys of chase rounds, unique per directive. */
/** Cascade's own contact-log entries: one per reminder (as chase_reminders is unique), one per SMS. */
export const contactLogKey = {
  reminder: (directiveId: number, level: number, kind: string, subjectId: number, step: number, n: number): string =>
    `chase:${directiveId}:${level}:${kind}:${subjectId}:${step}:${n}`,
  sms: (deliveryKey: string): string => `sms:${deliveryKey}`,
};

export const roundKey = {
  auto: (at: number): string => `auto-${at}`,
  manual: (inboundId: number): string => `manual-${inboundId}`,
  summary: 'summary',
  /** A round key already used (a re-run works out what is due afresh). */
  rerun: (key: string, now: number): string => `${key}.${now}`,
};

/** Dedupe keys of inbound events: the same event, the same key, whichever bot account saw it. */
export const inboundKey = {
  /** A group message by the platform's id (where every account sees the same id). */
  groupMessage: (platform: Platform, chatId: string, platformMessageId: string): string => `m:${platform}:g:${chatId}:${platformMessageId}`,
  /** A group message by one account's own id for it (where each account numbers messages itself). */
  accountMessage: (platform: Platform, accountId: string, chatId: string, platformMessageId: string): string => `m:${platform}:a:${accountId}:g:${chatId}:${platformMessageId}`,
  /** A private message to one account, by the platform's id. */
  privateMessage: (platform: Platform, accountId: string, platformMessageId: string): string => `m:${platform}:p:${accountId}:${platformMessageId}`,
  /**
   * Sender, text and a time bucket, where no shared id exists (the store also looks for a near copy,
   * since two copies can straddle a bucket).
   */
  fingerprint: (
    platform: Platform,
    chat: { type: 'group'; chatId: string } | { type: 'private'; accountId: string },
    senderId: string,
    bucket: number,
    text: string,
    quoteId?: string,
  ): string => {
    const where = chat.type === 'group' ? `g:${chat.chatId}` : `p:${chat.accountId}`;
    // What it quotes is part of it: two quote-replies alike in text are two messages.
    return `f:${platform}:${where}:${senderId}:${bucket}:${textHash(text)}${quoteId === undefined ? '' : `:q${sha1(quoteId, 8)}`}`;
  },
  /** A membership change or recall. */
  event: (kind: string, platform: Platform, chatId: string, userId: string, at: number, messageId: string): string => `${kind}:${platform}:${chatId}:${userId}:${at}:${messageId}`,
  login: (platform: Platform, accountId: string, at: number): string => `login:${platform}:${accountId}:${at}`,
};

/** Queue job ids (BullMQ: no ':' and not all digits). */
export const jobId = {
  /** One SMS's send job. */
  sms: (smsId: number): string => `sms-${smsId}`,
  /** A delivery's send job; a delivery moved to another account gets a job of its own there. */
  send: (deliveryId: number, moved?: string): string => (moved === undefined ? `send-${deliveryId}` : `send-${deliveryId}-m${moved}`),
  /** A chase round of a directive due at `at`. */
  chase: (directiveId: number, at: number): string => `chase-${directiveId}-${at}`,
  /** Anything free-form (an inbound dedupe key) is hashed. */
  hashed: (kind: string, key: string): string => `${kind}-${sha1(key, 24)}`,
};

/** The Redis queue of one bot account's sends. */
export function sendQueueName(accountId: string): string {
  return `send-${accountId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** The hash a message's text is compared by (fingerprints, sightings). */
export function textHash(text: string): string {
  return sha1(text, 16);
}

function sha1(text: string, chars: number): string {
  return createHash('sha1').update(text).digest('hex').slice(0, chars);
}
