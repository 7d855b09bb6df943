/** Moving file bytes between Cascade's data directory, QQ's download addresses and the libraries. */
import { readFile, stat } from 'node:fs/promises';
import { PlatformRefusedError, PlatformUnavailableError, type OutboundFile } from '../../src/platform/port.js';

/** The libraries refuse a picture read from disk above this (their MAX_UPLOAD_SIZE); QQ's own limit too. */
export const MAX_IMAGE_BYTES = 30 * 1024 * 1024;
const BASE64_SCHEME = 'base64://';

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A file the bot is to post must be on disk; one that is not cannot be posted, now or later. */
export async function checkReadable(file: OutboundFile): Promise<void> {
  try {
    if (!(await stat(file.path)).isFile()) throw new Error('not a regular file');
  } catch (error) {
    throw new PlatformRefusedError('file_refused', `cannot read ${file.name}: ${reason(error)}`);
  }
}

/** A picture's bytes, in memory: the libraries read its kind and size from them. */
export async function readImage(file: OutboundFile): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file.path);
  } catch (error) {
    throw new PlatformRefusedError('file_refused', `cannot read ${file.name}: ${reason(error)}`);
  }
  if (bytes.byteLength > MAX_IMAGE_BYTES) throw new PlatformRefusedError('file_refused', `picture of ${bytes.byteLength} bytes exceeds ${MAX_IMAGE_BYTES}`);
  return bytes;
}

/**
 * The bytes at a download address: `base64://` decoded, `http(s):` and `data:` fetched. Anything else
 * (a local path) is refused: a reference from an event must never make the bot read a file of this machine.
 */
export async function download(address: string, timeoutMs: number, maxBytes: number): Promise<Uint8Array> {
  if (address.startsWith(BASE64_SCHEME)) return Buffer.from(address.slice(BASE64_SCHEME.length), 'base64');
  if (!/^(?:https?:|data:)/iu.test(address)) throw new PlatformRefusedError('bad_request', 'not a downloadable address');
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no whole answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const response = await fetch(address, { signal: abort.signal });
    if (!response.ok) {
      await response.body?.cancel();
      throw new PlatformRefusedError('bad_request', `download answered ${response.status}`);
    }
    // Checked before reading where the server says, and after: the whole body is held in memory.
    if (Number(response.headers.get('content-length')) > maxBytes) {
      await response.body?.cancel();
      throw new PlatformRefusedError('bad_request', `file larger than ${maxBytes} bytes`);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw new PlatformRefusedError('bad_request', `file larger than ${maxBytes} bytes`);
    return bytes;
  } catch (error) {
    if (error instanceof PlatformRefusedError) throw error;
    throw new PlatformUnavailableError(`download failed: ${reason(error)}`);
  } finally {
    clearTimeout(timer);
  }
}
