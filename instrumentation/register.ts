/**
 * `node --import spanpulse/register app.js` (or `--import ./instrumentation/dist/register.js`
 * from a checkout): instruments an Express app with no code change.
 *
 * For ES-module apps the import-in-the-middle loader hook must be registered before the app's
 * own imports are evaluated, or `import express from 'express'` is never patched (no Express
 * spans, no `http.route`). CommonJS apps are patched through `require` and need no hook.
 * The hook only intercepts the modules we instrument, so the rest of the app loads untouched.
 *
 * Safe in front of a production app: with OTEL_SDK_DISABLED=true it does nothing at all; if
 * anything fails it says so in one line on stderr and the app runs uninstrumented; it never
 * keeps the process alive (see installShutdownHandlers for how exit is preserved).
 */
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { readInstrumentationOptions } from './InstrumentationOptions.js';
import { warn } from './warn.js';

const STARTED = Symbol.for('spanpulse.instrumentation.started');
const INSTRUMENTED_MODULES = ['express', 'http', 'https', 'node:http', 'node:https'];

async function main(): Promise<void> {
  const globals = globalThis as { [STARTED]?: boolean };
  if (!isMainThread || globals[STARTED] === true || isTrue(process.env['OTEL_SDK_DISABLED'])) return;
  globals[STARTED] = true;
  try {
    const { options, problems } = readInstrumentationOptions(process.env);
    for (const problem of problems) warn(problem);
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: INSTRUMENTED_MODULES } });
    // Loaded only now, so that a broken install fails here, inside the try, not at import time.
    const { startInstrumentation } = await import('./startInstrumentation.js');
    startInstrumentation(options, process.env);
  } catch (error) {
    warn(`not instrumented, the app runs without tracing: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

await main();
