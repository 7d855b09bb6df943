/**
 * The OneBot-specific keys of an account (the app adds id, platform and pacing).
 * `oneBotAccountKeys` is the plain object, for `.extend()`; `oneBotOptionsSchema` adds the checks
 * that span keys (which transport needs which address).
 */
import { z } from 'zod';

const LISTEN = /^(?<host>\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(?<port>\d{1,5})$/;

export const oneBotAccountKeys = z.strictObject({
  /** `forward`: Cascade connects to the implementation's WS server; `reverse`: the implementation connects to Cascade. */
  mode: z.enum(['forward', 'reverse']),
  /** Forward mode: the implementation's WS address, e.g. `ws://127.0.0.1:3001`. */
  url: z
    .string()
    .regex(/^wss?:\/\/[^\s]+$/, 'a ws:// or wss:// address')
    .optional(),
  /** Reverse mode: where Cascade listens, `host:port`, e.g. `127.0.0.1:6700`. */
  listen: z.string().regex(LISTEN, 'host:port, e.g. 127.0.0.1:6700').optional(),
  /** The shared access token (NapCat `token`): sent as `Authorization: Bearer`, checked on reverse connections. */
  accessToken: z.string().min(1).optional(),
  /**
   * How a file reaches the implementation for `upload_group_file` (issue #15): `base64` (default) inside
   * the call, which NapCat, LLOneBot and Lagrange accept wherever they run; `path`, the file's path on
   * this machine, for go-cqhttp running beside Cascade with the data directory readable.
   */
  fileUpload: z.enum(['base64', 'path']).default('base64'),
  /** How long a call may take before its outcome counts as unknown. */
  callTimeoutMs: z.number().int().min(1).default(10_000),
  /** Slack on top of twice the heartbeat interval before a silent connection counts as dead (default 5000). */
  heartbeatGraceMs: z.number().int().min(1).optional(),
  /** Forward mode: reconnect delays, doubling from minMs up to maxMs, with jitter. */
  reconnect: z
    .strictObject({
      minMs: z.number().int().min(1).default(1_000),
      maxMs: z.number().int().min(1).default(10_000),
    })
    .prefault({}),
});

export const oneBotOptionsSchema = oneBotAccountKeys.superRefine((o, ctx) => {
  if (o.mode === 'forward' && o.url === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'forward mode needs url' });
  if (o.mode === 'forward' && o.listen !== undefined) ctx.addIssue({ code: 'custom', path: ['listen'], message: 'listen is for reverse mode' });
  if (o.mode === 'reverse' && o.listen === undefined) ctx.addIssue({ code: 'custom', path: ['listen'], message: 'reverse mode needs listen' });
  if (o.mode === 'reverse' && o.url !== undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'url is for forward mode' });
  // Anyone who can reach an open listener could pose as the implementation — on loopback too (any process
  // of the host, a web page's WebSocket): a reverse listener always needs a token.
  if (o.mode === 'reverse' && o.accessToken === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['accessToken'],
      message: 'a reverse listener needs an accessToken: generate one with `cascade token` and set the same token in the OneBot implementation',
    });
  }
  if (o.reconnect.minMs > o.reconnect.maxMs) {
    ctx.addIssue({ code: 'custom', path: ['reconnect', 'minMs'], message: 'reconnect.minMs must not exceed reconnect.maxMs' });
  }
});

export type OneBotOptions = z.infer<typeof oneBotOptionsSchema>;
/** What a caller gives (defaults not yet filled in). */
export type OneBotOptionsInput = z.input<typeof oneBotOptionsSchema>;

/** `host:port` split; the host loses IPv6 brackets. Throws for an address the schema would refuse. */
export function parseListen(listen: string): { host: string; port: number } {
  const match = LISTEN.exec(listen);
  const port = Number(match?.groups?.port);
  if (!match?.groups?.host || !Number.isInteger(port) || port > 65_535) throw new Error(`not a host:port address: ${listen}`);
  return { host: match.groups.host.replace(/^\[|\]$/g, ''), port };
}
