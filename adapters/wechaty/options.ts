/** The wechaty-specific keys of an account's config (id, platform and pacing are added by src/config). */
import { z } from 'zod';

export const DEFAULT_WECHATY_PUPPET = 'wechaty-puppet-wechat4u';

export const wechatyOptionsSchema = z.strictObject({
  /** The puppet package, imported by name so a school can use a paid puppet service. */
  puppet: z.string().min(1).default(DEFAULT_WECHATY_PUPPET),
  /** Passed to the puppet's constructor as they are (tokens, endpoints). */
  puppetOptions: z.record(z.string(), z.unknown()).optional(),
  /** The memory card's file name under the data dir; it keeps the login session so a restart can skip the QR. */
  name: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, "_", "." and "-" only: it names a file')
    .optional(),
});

export type WechatyOptions = z.infer<typeof wechatyOptionsSchema>;
/** The options before defaults are applied; what the adapter's constructor accepts. */
export type WechatyOptionsInput = z.input<typeof wechatyOptionsSchema>;
