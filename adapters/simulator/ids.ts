/**
 * What ids a simulated bot account sees. QQ numbers never change. On the 'wechat' flavour, as with
 * wechat4u, each login session shows every contact and room under a new id (`@…`, `@@…`); the first
 * session (0) shows the world's own ids so existing scenarios read naturally. The account's own id
 * stays its account id.
 */
import { createHash } from 'node:crypto';

export class IdView {
  private session = 0;
  private readonly toWorld = new Map<string, string>();
  private readonly fromWorld = new Map<string, string>();

  constructor(
    private readonly accountId: string,
    private readonly changesAtLogin: boolean,
  ) {}

  /** A new login session: every id handed out before is forgotten. */
  login(session: number): void {
    if (session === this.session) return;
    this.session = session;
    this.toWorld.clear();
    this.fromWorld.clear();
  }

  /** The id this session shows for a world user or group id. */
  show(worldId: string, kind: 'user' | 'group'): string {
    if (!this.changesAtLogin || this.session === 0 || worldId === this.accountId || worldId === 'all') return worldId;
    const known = this.fromWorld.get(worldId);
    if (known) return known;
    const digest = createHash('sha1').update(`${this.accountId}|${this.session}|${worldId}`).digest('hex').slice(0, 24);
    const shown = `${kind === 'group' ? '@@' : '@'}${digest}`;
    this.fromWorld.set(worldId, shown);
    this.toWorld.set(shown, worldId);
    return shown;
  }

  /** The world id behind an id this session showed; undefined for an id of an earlier session or never shown. */
  resolve(shownId: string): string | undefined {
    if (!this.changesAtLogin || this.session === 0 || shownId === this.accountId || shownId === 'all') return shownId;
    return this.toWorld.get(shownId);
  }
}
