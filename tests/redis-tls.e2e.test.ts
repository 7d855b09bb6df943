/**
 * An external Redis over TLS with a password (issue #17): a redis-server with a certificate signed by a
 * private authority (made here with openssl), reached as `rediss://:password@…` with `redis.tlsCa`; the school
 * relays a directive and counts a reply through it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitUntil } from './setup/helpers.js';
import { issue, level, startTestSchool, type TestSchool } from './setup/runtime.js';

let school: TestSchool | undefined;
let redis: ChildProcess | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  await school?.close();
  school = undefined;
  redis?.kill('SIGKILL');
  redis = undefined;
  for (const c of cleanups.splice(0)) c();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

describe('Redis over TLS', () => {
  it('relays and counts through rediss:// with a password and a private authority', async () => {
    const dir = tempDir('redis-tls');
    cleanups.push(() => dir.remove());
    const at = (f: string): string => join(dir.path, f);
    const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir.path, stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=cascade-test-ca');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(at('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf');
    const port = await freePort();
    const password = 'tls-test-password';
    let stderr = '';
    redis = spawn(
      'redis-server',
      ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', at('server.crt'), '--tls-key-file', at('server.key'), '--tls-ca-cert-file', at('ca.crt'), '--tls-auth-clients', 'no', '--requirepass', password, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let ready = false;
    redis.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('Ready to accept connections')) ready = true;
    });
    redis.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitUntil(() => ready, 10_000, 20).catch(() => {
      throw new Error(`redis-server with TLS did not start: ${stderr}`);
    });
    school = await startTestSchool({ redis: `rediss://:${password}@127.0.0.1:${port}`, config: { redis: { tlsCa: at('ca.crt') } } });
    const id = await issue(school, '/通知 学院=计算机学院 层级=3 请各班今晚统计返校人数');
    expect(school.runtime.app.ledger.counts(id).sent).toBe(4);
    school.say('2023010101', 'L3:计算机2301', '收到');
    await school.settle();
    expect(level(school, id, 3)?.acknowledged).toBe(1);
    expect(school.runtime.app.queues.reachable).toBe(true);
  });
});
