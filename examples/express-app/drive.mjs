#!/usr/bin/env node
/**
 * See spanpulse work in a minute. With the collector running (`npm start` in the repo root:
 * OTLP on :4318, status on :3000), this script
 *   1. starts the example app under `node --import instrumentation/dist/register.js`,
 *   2. plays a few users (each with its own cookie jar) chatting with the agents, hitting a
 *      missing page and a failing report now and then,
 *   3. stops the app with SIGTERM (spans are flushed) and prints what /api/status now shows.
 *
 *   node examples/express-app/drive.mjs            # 20 s of traffic, 5 users
 *   DURATION=60 USERS=20 node examples/express-app/drive.mjs
 *
 * Environment: SPANPULSE_OTLP (default http://localhost:4318), SPANPULSE_API (default
 * http://localhost:3000), PORT for the app (default 8080), DURATION seconds, USERS.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const register = join(here, '../../instrumentation/dist/register.js');
const otlp = process.env.SPANPULSE_OTLP ?? 'http://localhost:4318';
const api = process.env.SPANPULSE_API ?? 'http://localhost:3000';
const port = Number(process.env.PORT ?? 8080);
const durationMs = Number(process.env.DURATION ?? 20) * 1000;
const users = Number(process.env.USERS ?? 5);
const appUrl = `http://localhost:${port}`;

async function main() {
  if (!existsSync(register)) return fail(`${register} is missing: run \`npm run build\` in the repo root first`);
  try {
    await fetch(`${api}/api/status`);
  } catch {
    return fail(`no collector at ${api}: start it with \`npm start\` in the repo root (or set SPANPULSE_API / SPANPULSE_OTLP)`);
  }

  const app = spawn(process.execPath, ['--import', register, join(here, 'app.js')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME ?? 'example-express-app',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
      // Export every second instead of every 5 s, so the pages move while you watch.
      OTEL_BSP_SCHEDULE_DELAY: '1000',
    },
  });
  const exited = new Promise((resolve) => app.once('exit', (code, signal) => resolve({ code, signal })));
  if (!(await waitUntilUp(exited))) return fail('the example app did not start (is the port free? set PORT)');

  console.log(`driving ${users} users for ${durationMs / 1000} s; watch ${api}/status`);
  const until = Date.now() + durationMs;
  const counts = await Promise.all(Array.from({ length: users }, (_, i) => playUser(i, until)));
  console.log(`sent ${counts.reduce((a, b) => a + b, 0)} requests; stopping the app (SIGTERM flushes its spans)`);
  app.kill('SIGTERM');
  console.log('app exit:', await exited);

  // Give the collector a moment to commit the final batch.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const status = await (await fetch(`${api}/api/status`)).json();
  console.log(
    JSON.stringify(
      {
        usingRealData: status.usingRealData,
        activeUsers: status.activeUsers,
        agents: status.agents?.map((a) => ({ agent: a.agentName, requests: a.totalRequests, activeUsers: a.activeUsers, tokens: a.totalTokens })),
        apiPerformance: status.apiPerformance,
      },
      null,
      2,
    ),
  );
  console.log(`pages: ${api}/status  ${api}/status/analytics  ${api}/status/api-status`);
}

/** One user: a cookie jar, a name (half of them sign in), and a loop of mostly chat. */
async function playUser(index, until) {
  let cookie = '';
  const headers = () => ({ 'content-type': 'application/json', ...(cookie ? { cookie } : {}), ...(index % 2 === 0 ? { 'x-demo-user': `user-${index}` } : {}) });
  const send = async (method, path, body) => {
    try {
      const response = await fetch(appUrl + path, { method, headers: headers(), body: body && JSON.stringify(body) });
      const sid = response.headers.getSetCookie().find((line) => line.startsWith('spanpulse_sid='));
      if (sid) cookie = sid.split(';')[0];
      await response.arrayBuffer();
    } catch {
      // The app may be going down at the very end.
    }
  };
  let sent = 0;
  await send('GET', '/');
  while (Date.now() < until) {
    const roll = Math.random();
    if (roll < 0.55) await send('POST', `/api/agents/${pick(['support', 'billing', 'research'])}/chat`, { message: 'How do I export my invoices?' });
    else if (roll < 0.8) await send('POST', '/api/assistant', { message: pick(['refund please', 'find a study on sleep', 'reset my password']) });
    else if (roll < 0.9) await send('GET', '/api/agents');
    else if (roll < 0.95) await send('GET', '/api/reports/fail');
    else await send('GET', '/no/such/page');
    sent += 1;
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
  }
  return sent;
}

async function waitUntilUp(exited) {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < 100 && !gone; i++) {
    try {
      await fetch(`${appUrl}/api/agents`);
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return false;
}

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function fail(message) {
  console.error(message);
  process.exitCode = 1;
}

await main();
