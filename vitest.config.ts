import { defineConfig } from 'vitest/config';

// End-to-end tests start child processes (host apps, collectors, FerretDB, Chromium):
// two workers match the 2-core machines this runs on. The global setup provides a
// MongoDB-compatible server (MONGODB_URI, or FerretDB started from scripts/ferretdb.sh).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/mongodbServer.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    maxWorkers: 2,
  },
});
