import { defineConfig } from 'vitest/config';

/** Test runner settings: every `test/**\/*.test.ts`, in forked processes, with room for child processes and databases. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
