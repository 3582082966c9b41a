/**
 * grpc-js writes its own diagnostics to the console as plain text ("E No address added ...");
 * spanpulse's logs are JSON lines, so they go through `log` instead, as warnings (grpc-js only
 * logs what went wrong at its default verbosity).
 */
import { setLogger } from '@grpc/grpc-js';
import { format } from 'node:util';
import { log } from '../../log.js';

export function routeGrpcLogsToLog(): void {
  const write = (...args: unknown[]) => log.warn('grpc-js', { detail: format(...args) });
  setLogger({ error: write, info: write, debug: write });
}
