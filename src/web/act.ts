/**
 * What the console does on a person's behalf, it does as that person writing to a bot privately (the
 * student-work team's directives: in the school group, where they issue them): the
 * command goes through the same path as in chat (rights, scope, parsing, the transaction, the ledger),
 * and its answer — which the person also receives in chat — is read back for the page. One path for
 * every rule: the console cannot do what the person could not do in chat.
 */
import { randomBytes } from 'node:crypto';
import type { App } from '../app/build-app.js';
import { inboundDedupeKey } from '../app/inbound.js';
import type { Group, Person, Platform } from '../domain/org.js';
import type { InboundMessage } from '../platform/port.js';
import { deliveryKey } from '../store/keys.js';

export interface Acted {
  /** The bot's answers to the command, in order (what the person also receives in chat). */
  readonly answers: readonly string[];
  /** The stored inbound message, once handled. */
  readonly inboundId: number | null;
}

/** How long a page waits for the command to be handled. */
const ACT_TIMEOUT_MS = 10_000;
const POLL_MS = 25;

/**
 * The person's account and a bot that serves it, on the first platform where both exist; in `group`,
 * the group's chat there and a bot in it.
 */
function route(app: App, person: Person, group?: Group): { platform: Platform; userId: string; accountId: string; chatId?: string } | null {
  const org = app.org();
  for (const platform of ['qq', 'wechat'] as const) {
    const userId = org.accountOn(person.id, platform);
    if (!userId) continue;
    if (group) {
      const pg = org.platformGroupsOf(group.id).find((x) => x.platform === platform);
      const accountId = pg?.accounts.find((a) => app.adapters.has(a) && app.usable(a)) ?? pg?.accounts.find((a) => app.adapters.has(a));
      if (pg && accountId) return { platform, userId, accountId, chatId: pg.chatId };
      continue;
    }
    const accountId = [...app.adapters.values()].find((a) => a.platform === platform && app.usable(a.accountId))?.accountId;
    if (accountId) return { platform, userId, accountId };
  }
  return null;
}

/**
 * Runs `text` as a private message of the person to a bot and waits until it was handled; `until`
 * may keep waiting for a continuation (a directive created after the commit). Null when the person has
 * no account a bot can read, or it was not handled in time.
 */
export async function actAs(app: App, person: Person, text: string, until?: () => boolean, group?: Group): Promise<Acted | null> {
  const r = route(app, person, group);
  if (!r) return null;
  const ev: InboundMessage = {
    kind: 'message',
    platform: r.platform,
    accountId: r.accountId,
    chat: r.chatId === undefined ? { type: 'private' } : { type: 'group', chatId: r.chatId },
    messageId: `web-${randomBytes(9).toString('base64url')}`,
    sender: { userId: r.userId, nickname: person.name },
    text,
    mentions: [],
    mentionsBot: false,
    at: app.clock.now(),
  };
  const key = inboundDedupeKey(ev, app.adapters.get(r.accountId)?.capabilities.crossAccountMessageIds ?? true);
  app.ingest(ev);
  const db = app.repos.db.$client;
  const answersTo = (id: number): string[] =>
    (db.prepare("SELECT key, text FROM deliveries WHERE key LIKE ? || '%' ORDER BY id").all(deliveryKey.answer(id, 0).replace(/0$/u, '')) as { key: string; text: string }[])
      .filter((d) => /^r\d+-\d+(\.p\d+)?$/u.test(d.key))
      .map((d) => d.text);
  const deadline = Date.now() + ACT_TIMEOUT_MS;
  let inboundId: number | null = null;
  while (Date.now() < deadline) {
    const row = db.prepare('SELECT id, meaning FROM inbound_messages WHERE dedupe_key = ?').get(key) as { id: number; meaning: string | null } | undefined;
    if (row && row.meaning !== null) {
      inboundId = row.id;
      // Done: what the caller waits for happened, or the bot has answered (a refusal comes at once).
      if (until === undefined || until() || answersTo(row.id).length > 0) break;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (inboundId === null) return null;
  return { answers: answersTo(inboundId), inboundId };
}
