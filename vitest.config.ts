import { defineConfig } from 'vitest/config';

// End-to-end tests start child processes (host apps, collectors, FerretDB, Chromium):
// two workers match the 2-core machines this runs on.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
