/**
 * Health and metrics (issue #17), without a session (an orchestrator and Prometheus ask them; the console
 * listens on loopback unless a proxy opens it):
 * - `/readyz`: each check named — Redis answers, the store is writable, its migrations are current, at least
 *   one bot account is online; 200 when all pass, else 503.
 * - `/metrics`: Prometheus text (prom-client): sends by account and outcome, queue depths and the age of the
 *   oldest waiting job (for `inbound`: how long a reply waits to be read), acknowledgements, chase reminders,
 *   breaker state, failed jobs, and Node's own (event-loop lag, memory, GC).
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { App } from '../app/build-app.js';
import { schemaVersion } from '../store/db.js';

export interface Readiness {
  readonly status: 'ok' | 'fail';
  readonly checks: Readonly<Record<'redis' | 'store' | 'migrations' | 'accounts', { readonly ok: boolean; readonly detail: string }>>;
}

export async function readiness(a: App): Promise<Readiness> {
  const redis = a.queues.reachable ? { ok: true, detail: 'answers' } : { ok: false, detail: 'not reachable' };
  let store: { ok: boolean; detail: string };
  try {
    // The write lock taken and given back: the file is writable and not locked out; nothing changes.
    a.repos.db.$client.transaction(() => undefined).immediate();
    store = { ok: true, detail: 'writable' };
  } catch (error) {
    store = { ok: false, detail: error instanceof Error ? error.message.slice(0, 120) : 'not writable' };
  }
  const v = schemaVersion(a.repos.db);
  const migrations = { ok: v.applied >= v.known, detail: `${v.applied} of ${v.known} applied` };
  const states = [...a.adapters.values()].map((x) => x.status?.().state ?? 'online');
  const online = states.filter((s) => s === 'online').length;
  const accounts = { ok: online > 0, detail: `${online} of ${states.length} online` };
  const checks = { redis, store, migrations, accounts };
  return { status: Object.values(checks).every((c) => c.ok) ? 'ok' : 'fail', checks };
}

/** The metrics of the running app, read when scraped. */
function registry(app: () => App): Registry {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg, prefix: 'cascade_node_' });
  const db = () => app().repos.db.$client;
  new Gauge({
    name: 'cascade_deliveries',
    help: 'Sends in the sent-ledger by bot account and outcome (planned, sending, sent, uncertain, failed, manual).',
    labelNames: ['account', 'status'],
    registers: [reg],
    collect() {
      this.reset();
      for (const r of db().prepare('SELECT account_id AS a, status AS s, count(*) AS n FROM deliveries GROUP BY account_id, status').all() as { a: string; s: string; n: number }[]) {
        this.set({ account: r.a, status: r.s }, r.n);
      }
    },
  });
  new Gauge({
    name: 'cascade_queue_jobs',
    help: 'Jobs per queue and state.',
    labelNames: ['queue', 'state'],
    registers: [reg],
    async collect() {
      this.reset();
      const counts = await app().queues.counts();
      for (const [q, byState] of Object.entries(counts)) for (const [state, n] of Object.entries(byState)) this.set({ queue: q, state }, n);
    },
  });
  new Gauge({
    name: 'cascade_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting in each queue (0: none waits).',
    labelNames: ['queue'],
    registers: [reg],
    async collect() {
      this.reset();
      const now = Date.now();
      for (const [q, at] of Object.entries(await app().queues.oldestWaiting())) this.set({ queue: q }, at === null ? 0 : Math.max(0, (now - at) / 1000));
    },
  });
  new Counter({
    name: 'cascade_acknowledgements_total',
    help: 'Replies counted (acknowledgements stored); rate() gives acknowledgements per minute.',
    registers: [reg],
    collect() {
      this.reset();
      this.inc((db().prepare("SELECT count(*) AS n FROM acknowledgements WHERE kind = 'ack'").get() as { n: number }).n);
    },
  });
  new Counter({
    name: 'cascade_chase_reminders_total',
    help: 'People reminded by chase rounds.',
    registers: [reg],
    collect() {
      this.reset();
      this.inc((db().prepare('SELECT coalesce(sum(reminded), 0) AS n FROM chase_rounds').get() as { n: number }).n);
    },
  });
  new Gauge({
    name: 'cascade_account_paused',
    help: 'Whether the account is paused by its circuit breaker (1) or sends (0); and whether it is online.',
    labelNames: ['account', 'what'],
    registers: [reg],
    collect() {
      this.reset();
      const a = app();
      const now = a.clock.now();
      for (const adapter of a.adapters.values()) {
        this.set({ account: adapter.accountId, what: 'paused' }, a.guard.pause(adapter.accountId, now) ? 1 : 0);
        this.set({ account: adapter.accountId, what: 'online' }, (adapter.status?.().state ?? 'online') === 'online' ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'cascade_failures_24h',
    help: 'Jobs that failed for good and messages whose handling failed, in the last 24 hours.',
    registers: [reg],
    collect() {
      const a = app();
      this.set(a.repos.failures.since(a.clock.now() - 24 * 3_600_000, 100_000).length);
    },
  });
  return reg;
}

export function registerHealth(server: FastifyInstance, app: () => App): void {
  const reg = registry(app);
  server.get('/readyz', async (_request, reply) => {
    const r = await readiness(app());
    return reply.code(r.status === 'ok' ? 200 : 503).send(r);
  });
  server.get('/metrics', async (_request, reply) => reply.type(reg.contentType).send(await reg.metrics()));
}
