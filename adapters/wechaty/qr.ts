/** Showing a login QR code to the operator: a link always, the code itself in an interactive terminal. */
import type { Logger } from 'pino';

/** Renders any text as a QR image; wechaty's docs site hosts it. */
const QR_IMAGE_SITE = 'https://wechaty.js.org/qrcode/';
/** node-qrcode, installed with wechaty (through file-box); not a direct dependency, so imported by name. */
const QR_RENDERER = 'qrcode';

export function qrImageLink(loginUrl: string): string {
  return QR_IMAGE_SITE + encodeURIComponent(loginUrl);
}

interface QrRenderer {
  toString(text: string, options: { type: 'terminal'; small: boolean }): Promise<string>;
}

function isRenderer(mod: unknown): mod is QrRenderer {
  return typeof mod === 'object' && mod !== null && 'toString' in mod && typeof mod.toString === 'function';
}

/** The QR code as terminal art, or undefined when no renderer is installed. */
export async function renderTerminalQr(text: string): Promise<string | undefined> {
  try {
    const mod: unknown = await import(QR_RENDERER);
    const renderer = typeof mod === 'object' && mod !== null && 'default' in mod ? mod.default : mod;
    return isRenderer(renderer) ? await renderer.toString(text, { type: 'terminal', small: true }) : undefined;
  } catch {
    return undefined;
  }
}

/** Logs where to scan; prints the code itself only to a person at a terminal, never into log files. */
export async function showLoginQr(loginUrl: string, logger: Logger): Promise<void> {
  logger.info({ qrLink: qrImageLink(loginUrl), loginUrl }, 'scan the QR code with the bot account’s WeChat to log in');
  if (!process.stdout.isTTY) return;
  const art = await renderTerminalQr(loginUrl);
  if (art !== undefined) process.stdout.write(`${art}\n`);
}
