import { defineConfig } from 'vitest/config';

/** Test runner settings: every `test/**\/*.test.ts`, in forked processes, with room for child processes and databases. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Builds (or reuses from the temp folder) one migrated PGlite template per run; database tests copy it per file.
    globalSetup: ['test/support/global-setup.ts'],
  },
});
