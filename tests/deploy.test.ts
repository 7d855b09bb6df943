/**
 * The deployment files (issue #17): the production example config loads and names only accounts the demo
 * roster has; the Dockerfile runs as a non-root user with a health check on the console's /healthz.
 * (`.ci/run` validates docker-compose.yml with Debian's docker-compose; no Docker daemon runs here.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../adapters/index.js';
import { loadConfig } from '../src/config/load.js';

describe('deployment files', () => {
  it('config/production.example.yaml loads, and its accounts are the demo roster’s', () => {
    const config = loadConfig(undefined, {}, 'config/production.example.yaml');
    const roster = readFileSync('config/demo/群.csv', 'utf8');
    for (const a of config.accounts) expect(roster).toContain(a.id);
    expect(config.web.listen).toBe('0.0.0.0:3000');
    expect(config.accounts.find((a) => a.id === 'qq-bot-1')?.platform).toBe('onebot');
  });

  it('the Dockerfile builds in one stage, runs as a non-root user in another, and checks /healthz', () => {
    const docker = readFileSync('Dockerfile', 'utf8');
    expect(docker).toMatch(/FROM node:20-bookworm AS build/u);
    expect(docker).toMatch(/^USER cascade$/mu);
    expect(docker).toMatch(/HEALTHCHECK[\s\S]*\/healthz/u);
    const compose = readFileSync('docker-compose.yml', 'utf8');
    expect(compose).toContain('condition: service_healthy');
    expect(compose).toContain('noeviction');
    expect(compose).toContain('profiles: ["qq"]');
  });
});
