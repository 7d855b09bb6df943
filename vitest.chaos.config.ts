import { defineConfig } from 'vitest/config';

/** The fault suite's quick variant (docs/reliability.md), alone: it starts its own Redis, peers and services. */
export default defineConfig({
  test: {
    include: ['tests/chaos.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
