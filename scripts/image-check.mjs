#!/usr/bin/env node
/**
 * The Dockerfile, played without a Docker engine (none runs on the CI machines): what can be checked of the
 * image here, on the same Debian (bookworm) and Node 20 as its base images.
 *
 * - the build stage: its COPY lines copy those paths of this checkout into an empty /app stand-in, its RUN
 *   lines run there (npm ci, the type check, npm prune --omit=dev) — so a file the image forgets to copy, or a
 *   runtime package left in devDependencies, fails here as it would in `docker build`;
 * - the run stage: its ENV, its WORKDIR, its USER (played by `nobody`: the app directory is not theirs to
 *   write), its CMD, against a throwaway redis-server (compose's REDIS_URL) and the production example config;
 *   then its HEALTHCHECK command until it passes (within the start period), and SIGTERM (compose's stop) must
 *   end it with the "stopped" line within the stop grace period.
 *
 * What it cannot check: the base images themselves, and Docker's own behaviour (volumes, networks).
 *
 *   node scripts/image-check.mjs        (as root, for the USER step)
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STOP_GRACE_MS = 15_000;

function fail(message) {
  process.stderr.write(`image-check: ${message}\n`);
  process.exit(1);
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text) {
  const out = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    const [op, ...rest] = current.split(/\s+/u);
    out.push({ op: (op ?? '').toUpperCase(), args: rest.join(' ') });
    current = '';
  }
  return out;
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function run(cmd, cwd, label) {
  process.stderr.write(`image-check: RUN ${label}\n`);
  // As in `docker build`: the base image sets no NODE_ENV (npm ci then installs the dev packages the type check needs).
  const env = { ...process.env };
  delete env.NODE_ENV;
  const r = spawnSync('sh', ['-c', cmd], { cwd, stdio: 'inherit', env });
  if (r.status !== 0) fail(`RUN failed (${r.status}): ${label}`);
}

const dockerfile = instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const stages = [];
for (const ins of dockerfile) {
  if (ins.op === 'FROM') stages.push({ from: ins.args, steps: [] });
  else stages.at(-1)?.steps.push(ins);
}
if (stages.length !== 2 || !/\bAS build$/iu.test(stages[0].from)) fail('expected two stages, the first `AS build`');
const [build, runStage] = stages;

const work = mkdtempSync(join(tmpdir(), 'cascade-image-'));
chmodSync(work, 0o755);
const app = join(work, 'app');
mkdirSync(app);
let redis;
let service;
try {
  // ---- build stage ----------------------------------------------------------------------------
  for (const { op, args } of build.steps) {
    if (op === 'WORKDIR') continue; // the /app stand-in
    if (op === 'COPY') {
      const parts = args.split(/\s+/u).filter((p) => !p.startsWith('--'));
      const dest = parts.pop();
      for (const src of parts) {
        const target = dest === './' || dest === '.' ? join(app, src) : join(app, dest.replace(/^\.\//u, ''));
        cpSync(join(ROOT, src), target, { recursive: true, filter: (p) => !p.includes(`${join(ROOT, 'node_modules')}`) });
      }
      process.stderr.write(`image-check: COPY ${args}\n`);
    } else if (op === 'RUN') run(args, app, args);
    else fail(`the build stage has a ${op} this check does not know`);
  }

  // ---- run stage ------------------------------------------------------------------------------
  const env = {};
  let user = null;
  let cmd = null;
  let health = null;
  for (const { op, args } of runStage.steps) {
    if (op === 'ENV') for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/gu)) env[m[1]] = m[2].replace(/^"|"$/gu, '');
    else if (op === 'USER') user = args;
    else if (op === 'CMD') cmd = JSON.parse(args);
    else if (op === 'HEALTHCHECK') health = /CMD\s+(.*)$/u.exec(args)?.[1] ?? null;
    else if (op === 'COPY' && !/--from=build\s+.*\/app\s+\/app$/u.test(args)) fail(`the run stage copies something besides the build: ${args}`);
  }
  if (!cmd || !health || !user) fail('the run stage needs USER, CMD and HEALTHCHECK');
  if (user === 'root' || user === '0') fail('the image runs as root');

  // The volumes and the config compose mounts, and its Redis.
  const dataDir = join(work, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  spawnSync('chown', ['nobody:nogroup', dataDir]);
  const redisPort = await freePort();
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const webPort = await freePort();
  const onebotPort = await freePort();
  const config = readFileSync(join(ROOT, 'config/production.example.yaml'), 'utf8')
    .replace('"0.0.0.0:3000"', `"127.0.0.1:${webPort}"`)
    .replace('"0.0.0.0:6700"', `"127.0.0.1:${onebotPort}"`);
  const configFile = join(work, 'cascade.yaml');
  writeFileSync(configFile, config);
  chmodSync(configFile, 0o644);
  const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
  if (asUser.length === 0) process.stderr.write('image-check: not root — USER is not played (the service runs as you)\n');
  const runEnv = { PATH: process.env.PATH, HOME: dataDir, ...env, CASCADE_DATA_DIR: dataDir, CASCADE_CONFIG: configFile, REDIS_URL: `redis://127.0.0.1:${redisPort}` };
  process.stderr.write(`image-check: CMD ${cmd.join(' ')} (as ${asUser.length ? 'nobody' : 'the current user'})\n`);
  const [bin, ...argv] = [...asUser, ...cmd];
  let stdout = '';
  let stderr = '';
  service = spawn(bin, argv, { cwd: app, env: runEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  service.stdout.on('data', (c) => (stdout += c));
  service.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise((res) => service.once('exit', (code, signal) => res({ code, signal })));

  // HEALTHCHECK: its command (the port the config here gives), until it passes within the start period.
  const start = /--start-period=(\d+)s/u.exec(runStage.steps.find((s) => s.op === 'HEALTHCHECK').args)?.[1];
  const deadline = Date.now() + Number(start ?? 60) * 1000;
  const probe = health.replace('127.0.0.1:3000', `127.0.0.1:${webPort}`);
  let healthy = false;
  while (Date.now() < deadline && service.exitCode === null) {
    if (spawnSync('sh', ['-c', probe], { cwd: app, env: runEnv, timeout: 5_000 }).status === 0) {
      healthy = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!healthy) fail(`HEALTHCHECK never passed.\nstderr:\n${stderr.slice(-3000)}\nstdout:\n${stdout.slice(-3000)}`);
  const ready = await fetch(`http://127.0.0.1:${webPort}/readyz`).then(async (r) => `${r.status} ${await r.text()}`);
  process.stderr.write(`image-check: HEALTHCHECK passed; /readyz ${ready}\n`);

  // docker stop: SIGTERM, then the stop grace period.
  const stopAt = Date.now();
  service.kill('SIGTERM');
  const result = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), STOP_GRACE_MS))]);
  if (result === null) fail('SIGTERM did not stop it within the stop grace period');
  if (!stdout.includes('"msg":"stopped"')) fail(`no "stopped" log line (exit ${JSON.stringify(result)}):\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
  process.stderr.write(`image-check: stopped in ${Date.now() - stopAt} ms (exit ${result.code ?? result.signal}); the image's steps hold\n`);
} finally {
  if (service && service.exitCode === null) service.kill('SIGKILL');
  redis?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
