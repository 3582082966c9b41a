/**
 * A small AI-agent web app, instrumented by spanpulse without any tracing code:
 *
 *   node --import spanpulse/register examples/express-app/app.js
 *
 * The only spanpulse calls are the optional helpers (agent name, user id, token usage).
 * Everything else — sessions, routes, latencies, errors — comes from the preload.
 *
 *   GET  /                          static chat page (public/index.html)
 *   GET  /api/agents                the agents
 *   POST /api/agents/:agent/chat    chat with one agent (the collector reads the agent from the route)
 *   POST /api/assistant             picks an agent itself and names it with setAgentName()
 *   GET  /api/reports/fail          always fails (500), to see errors on the status pages
 *   anything else                   404
 */
import express from 'express';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addTokenUsage, setAgentName, setUserId } from 'spanpulse';

const AGENTS = {
  support: { delayMs: 40, failureRate: 0.02 },
  billing: { delayMs: 80, failureRate: 0.05 },
  research: { delayMs: 250, failureRate: 0.01 },
};

const app = express();
app.use(express.json({ limit: '32kb' }));
app.use(express.static(join(dirname(fileURLToPath(import.meta.url)), 'public')));

// Stand-in for real authentication: a signed-in user is known by a header.
app.use((req, _res, next) => {
  const user = req.get('x-demo-user');
  if (user) setUserId(user);
  next();
});

app.get('/api/agents', (_req, res) => {
  res.json(Object.keys(AGENTS));
});

app.post('/api/agents/:agent/chat', async (req, res, next) => {
  try {
    const agent = AGENTS[req.params.agent];
    if (!agent) return res.status(404).json({ error: `no agent named ${req.params.agent}` });
    const message = String(req.body?.message ?? '');
    if (message === '') return res.status(400).json({ error: 'message is required' });
    res.json({ agent: req.params.agent, reply: await answer(agent, message) });
  } catch (error) {
    next(error);
  }
});

app.post('/api/assistant', async (req, res, next) => {
  try {
    const message = String(req.body?.message ?? '');
    const name = /invoice|refund|price/i.test(message) ? 'billing' : /paper|study|source/i.test(message) ? 'research' : 'support';
    setAgentName(name);
    res.json({ agent: name, reply: await answer(AGENTS[name], message) });
  } catch (error) {
    next(error);
  }
});

app.get('/api/reports/fail', () => {
  throw new Error('the report backend is down');
});

app.use((error, _req, res, _next) => {
  res.status(500).json({ error: error.message });
});

// FAKE_MODEL=instant: no pretend latency or failures (bench/overhead.ts measures the app, not the sleep).
const instantModel = process.env.FAKE_MODEL === 'instant';

/** A pretend model call: some latency, sometimes an error, token counts reported to spanpulse. */
async function answer(agent, message) {
  if (!instantModel) {
    await new Promise((resolve) => setTimeout(resolve, agent.delayMs * (0.5 + Math.random())));
    if (Math.random() < agent.failureRate) throw new Error('model provider timed out');
  }
  const reply = `You said ${message.length} characters. Here is a thoughtful answer.`;
  addTokenUsage({ inputTokens: Math.ceil(message.length / 4) + 50, outputTokens: Math.ceil(reply.length / 4) });
  return reply;
}

const port = Number(process.env.PORT ?? 8080);
const server = app.listen(port, (error) => {
  if (error) {
    console.error(`example app cannot listen on port ${port}: ${error.message}`);
    process.exitCode = 1;
    return;
  }
  console.log(`example app on http://localhost:${server.address().port}`);
});
