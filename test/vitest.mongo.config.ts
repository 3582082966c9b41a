// Runs only the MongoDB store tests with the FerretDB global setup, until the lead adds
// `globalSetup: ['test/mongodbServer.ts']` to vitest.config.ts:
//   npx vitest run --config test/vitest.mongo.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/collector/store/mongodb*.test.ts'],
    globalSetup: ['test/mongodbServer.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
