/**
 * The oicq/icqq keys of an account's config. The account's id, platform and pacing are the app's
 * schema's business; this one only checks what the adapter reads.
 */
import { z } from 'zod';

/** The libraries' `Platform` numbers: which device the account logs in as. */
export const DEVICE_PLATFORMS = Object.freeze({
  android: 1,
  apad: 2,
  watch: 3,
  imac: 4,
  ipad: 5,
} as const);

export type OicqDevice = keyof typeof DEVICE_PLATFORMS;

export const oicqOptionsSchema = z
  .strictObject({
    /** The bot's QQ number. */
    uin: z.number().int().positive(),
    /** oicq 2.3.1 (unmaintained, no sign server) or its fork icqq 0.6.10 (needs `signApi` to log in reliably). */
    package: z.enum(['oicq', 'icqq']).default('oicq'),
    /** Plain or md5 (32 hex). Unset: QR-code login. */
    password: z.string().min(1).optional(),
    /** icqq's sign server (`sign_api_addr`); `?key=` in it selects the qsign protocol. */
    signApi: z.url().optional(),
    /**
     * Which device the bot poses as. Default `ipad`: a tablet takes the tablet slot, so the bot does
     * not kick the operator's phone QQ off (an `android` login does), and it allows both password and QR.
     */
    device: z.enum(['android', 'apad', 'watch', 'imac', 'ipad']).default('ipad'),
    /**
     * `true`: log in by QR code even when a password is set (QR logins from the bot's own network
     * trip fewer slider/device checks). `false`: never show a QR code (then a password is required).
     */
    qrcode: z.boolean().optional(),
  })
  .refine((o) => o.password !== undefined || o.qrcode !== false, {
    message: 'qrcode: false needs a password',
    path: ['qrcode'],
  })
  .refine((o) => o.signApi === undefined || o.package === 'icqq', {
    message: 'signApi is only read by icqq',
    path: ['signApi'],
  });

export type OicqOptions = z.infer<typeof oicqOptionsSchema>;

/** How the account logs in, from its options. */
export function loginMethod(options: Pick<OicqOptions, 'password' | 'qrcode'>): 'password' | 'qrcode' {
  return options.password !== undefined && options.qrcode !== true ? 'password' : 'qrcode';
}
