/** Builds a real oicq or icqq client. Construction is offline: no socket opens before `login()`. */
import { mkdirSync } from 'node:fs';
import { DEVICE_PLATFORMS, type OicqOptions } from './options.js';
import { asQqClient, type QqClient } from './wire.js';

export type QqPackage = OicqOptions['package'];

/** The library config keys Cascade sets (same names in both packages). */
export interface LibraryConfig {
  readonly data_dir: string;
  readonly platform: number;
  readonly log_level: 'off';
  /**
   * 0: the library never re-logs in by itself. Its own retry is a fixed-interval timer that
   * `logout()`/`terminate()` do not cancel (a stopped adapter would log in again); the adapter
   * reconnects instead, with backoff, on a timer `stop()` clears.
   */
  readonly reconn_interval: 0;
  readonly ignore_self: true;
  /**
   * false: when the server's echo of a group message is late, do not re-send it as fragments.
   * The first packet may have been posted already; the re-send would post the notice twice.
   */
  readonly resend: false;
  readonly sign_api_addr?: string;
}

export function libraryConfig(options: Pick<OicqOptions, 'device' | 'signApi'>, dataDir: string): LibraryConfig {
  return {
    data_dir: dataDir,
    platform: DEVICE_PLATFORMS[options.device],
    // Library logs go nowhere: the adapter logs what matters (and never the phone number the
    // library prints for a device check). QR codes are still printed to the terminal by the library.
    log_level: 'off',
    reconn_interval: 0,
    ignore_self: true,
    resend: false,
    ...(options.signApi === undefined ? {} : { sign_api_addr: options.signApi }),
  };
}

/**
 * oicq: `createClient(uin, conf)`. icqq: `new Client(uin, conf)`, because icqq's
 * `createClient(uin, conf)` silently drops `conf` (it reads the number as the config).
 */
export async function createLibraryClient(pkg: QqPackage, uin: number, conf: LibraryConfig): Promise<QqClient> {
  // icqq writes its device file synchronously into data_dir at construction.
  mkdirSync(conf.data_dir, { recursive: true });
  if (pkg === 'oicq') {
    const { createClient } = await import('oicq');
    return asQqClient(createClient(uin, conf));
  }
  const { Client } = await import('icqq');
  return asQqClient(new Client(uin, conf));
}
