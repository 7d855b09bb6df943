import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'adapters/**/*.test.ts', 'tests/**/*.test.ts'],
    // The fault suite runs real processes under timing targets; it runs alone (vitest.chaos.config.ts)
    // so that the rest of the suite does not compete with it for the two cores.
    exclude: ['tests/chaos.test.ts', '**/node_modules/**'],
    globalSetup: ['tests/setup/redis.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
