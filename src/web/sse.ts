/**
 * Server-sent events for the console's live parts: a value read every `everyMs` and sent as `event` when it
 * changed, with a keep-alive comment every 15 s; both stop when the browser goes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export function streamChanges(request: FastifyRequest, reply: FastifyReply, event: string, everyMs: number, read: () => unknown): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  let last = '';
  const push = (): void => {
    try {
      const data = JSON.stringify(read());
      if (data !== last) {
        last = data;
        res.write(`event: ${event}\ndata: ${data}\n\n`);
      }
    } catch {
      // The app is restarting: the next tick reads the new one.
    }
  };
  push();
  const timer = setInterval(push, everyMs);
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  request.raw.on('close', () => {
    clearInterval(timer);
    clearInterval(keepAlive);
  });
}
