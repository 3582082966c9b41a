/**
 * Structured logs: one JSON object per line on stderr, with time, level and message, so
 * log shippers need no parsing rules. `setLogLevel` is called once at start-up.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let current: LogLevel = 'info';
let threshold = RANK.info;

export function setLogLevel(level: LogLevel): void {
  current = level;
  threshold = RANK[level];
}

/** The level set last (worker threads are started with it). */
export function logLevel(): LogLevel {
  return current;
}

function write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
  if (RANK[level] < threshold) return;
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg, ...fields };
  if (fields?.['error'] instanceof Error) line['error'] = (fields['error'] as Error).message;
  process.stderr.write(JSON.stringify(line) + '\n');
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
};
