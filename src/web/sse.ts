/**
 * Server-sent events for the console's live parts: a value read every `everyMs` and sent as `event` when it
 * changed, with a keep-alive comment every 15 s; both stop when the browser goes.
 *
 * A read runs on the main thread, between the sends and the replies: one that takes long (a directive's
 * progress for the whole school on the largest campus reads every obligation, ~0.2 s at 160,000) waits
 * `READ_SHARE` times its own duration before the next, so an open page never takes more than a tenth of the
 * service's time, however large the school.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The next read waits at least this many times as long as the last one took. */
export const READ_SHARE = 10;

/** How long to wait before the next read: `everyMs`, or longer after a slow read. */
export function nextReadDelay(everyMs: number, tookMs: number): number {
  return Math.max(everyMs, Math.ceil(tookMs * READ_SHARE));
}

export function streamChanges(request: FastifyRequest, reply: FastifyReply, event: string, everyMs: number, read: () => unknown): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  let last = '';
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const push = (): void => {
    const started = performance.now();
    try {
      const data = JSON.stringify(read());
      if (data !== last) {
        last = data;
        res.write(`event: ${event}\ndata: ${data}\n\n`);
      }
    } catch {
      // The app is restarting: the next tick reads the new one.
    }
    if (!closed) timer = setTimeout(push, nextReadDelay(everyMs, performance.now() - started));
  };
  push();
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  request.raw.on('close', () => {
    closed = true;
    clearTimeout(timer);
    clearInterval(keepAlive);
  });
}
