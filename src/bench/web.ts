/**
 * The web console's pages on the benchmark's campus (issue #16: no page takes longer than 200 ms to render):
 * each page, as the team leader, a deputy secretary and a counselor see it, over loopback HTTP.
 */
import type { App } from '../app/build-app.js';
import type { Directive } from '../domain/directive.js';
import { viewerOf } from '../app/message-context.js';
import { progressOf } from '../web/pages.js';
import { startWebServer } from '../web/server.js';
import { SESSION_COOKIE } from '../web/server.js';
import { round } from './util.js';

export interface WebBench {
  /** Per page and role: the slowest of the timed requests, ms. */
  readonly pages: readonly { readonly page: string; readonly role: string; readonly max_ms: number; readonly median_ms: number }[];
  readonly worst_ms: number;
  readonly worst_page: string;
  /** Per role: one read of the live progress a directive's open page streams (server-sent events), slowest of the rounds, ms. */
  readonly live_read: readonly { readonly role: string; readonly max_ms: number }[];
}

const ROUNDS = 5;

export async function benchWeb(app: App, newest: Directive, progress: (line: string) => void): Promise<WebBench> {
  const org = app.org();
  const college = org.colleges[0];
  const counselor = college ? org.collegeCounselors(college.id)[0] : undefined;
  const people = [
    { role: 'team', person: org.withRole('team_leader', null)[0] },
    { role: 'deputy', person: college ? org.withRole('deputy_secretary', college.id)[0] : undefined },
    { role: 'counselor', person: counselor },
  ];
  const web = await startWebServer(() => app);
  try {
    const pages = ['/', '/directives', `/directives/${newest.id}`, `/api/directives`, `/api/directives/${newest.id}`, '/review', '/membership'];
    const out: { page: string; role: string; max_ms: number; median_ms: number }[] = [];
    for (const { role, person } of people) {
      if (!person) continue;
      const { id } = app.repos.web.openSession(person.id, app.clock.now());
      const cookie = `${SESSION_COOKIE}=${encodeURIComponent(id)}`;
      for (const path of pages) {
        const get = async (): Promise<number> => {
          const t = performance.now();
          const r = await fetch(`${web.url}${path}`, { headers: { cookie } });
          await r.arrayBuffer();
          if (r.status !== 200) throw new Error(`bench: ${path} as ${role} answered ${r.status}`);
          return performance.now() - t;
        };
        await get(); // warm
        const samples: number[] = [];
        for (let i = 0; i < ROUNDS; i++) samples.push(await get());
        samples.sort((a, b) => a - b);
        out.push({ page: path, role, max_ms: round(samples[samples.length - 1] ?? 0, 1), median_ms: round(samples[Math.floor(samples.length / 2)] ?? 0, 1) });
      }
    }
    // The read an open directive page repeats (src/web/sse.ts backs off after a slow one).
    const live: { role: string; max_ms: number }[] = [];
    for (const { role, person } of people) {
      if (!person) continue;
      const caller = { person, viewer: viewerOf(org, person), csrf: '' };
      let max = 0;
      for (let i = 0; i <= ROUNDS; i++) {
        const t = performance.now();
        progressOf(app, newest, caller).levels.map((l) => l.tally.acknowledged);
        if (i > 0) max = Math.max(max, performance.now() - t);
      }
      live.push({ role, max_ms: round(max, 1) });
    }
    progress(`web console: live progress read ${live.map((l) => `${l.role} ${l.max_ms} ms`).join(', ')}`);
    const worst = out.reduce((w, p) => (p.max_ms > w.max_ms ? p : w), out[0] ?? { page: '-', role: '-', max_ms: 0, median_ms: 0 });
    progress(`web console: slowest page ${worst.page} (${worst.role}) ${worst.max_ms} ms over ${out.length} pages × ${ROUNDS}`);
    return { pages: out, worst_ms: worst.max_ms, worst_page: `${worst.page} (${worst.role})`, live_read: live };
  } finally {
    await web.close();
  }
}
