#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=8 --heap-growing-percent=25
/**
 * The `spanpulse` bin: `spanpulse [--config <file>]` (or SPANPULSE_CONFIG; default
 * ./otel-config.yaml, else the otel-config.yaml the package ships). Validates the config (every problem listed, exit 1), starts the
 * collector and status API, and shuts down gracefully on SIGTERM / SIGINT; SIGHUP re-reads the TLS files.
 * `spanpulse export ...` and `spanpulse archive verify ...` run a command and exit with its status.
 * The only place that calls process.exit.
 */
import { defaultConfigPath, LOCAL_CONFIG } from './cli/configPath.js';
import { archiveCommand } from './cli/archiveCommand.js';
import type { Command } from './cli/CommandIo.js';
import { exportCommand } from './cli/exportCommand.js';
import { ConfigError, loadConfig } from './config/loadConfig.js';
import { missingStartSettings, tuneHeapGrowth } from './heapTuning.js';
import { reloadTlsFiles } from './net/tlsReload.js';
import { log, setLogLevel } from './log.js';
import { startSpanpulse } from './service.js';

const USAGE = `usage: spanpulse [--config <file>]   (env SPANPULSE_CONFIG; default ${LOCAL_CONFIG}, else the shipped one)
       spanpulse export --help
       spanpulse archive verify --help`;

const COMMANDS: Record<string, Command> = { export: exportCommand, archive: archiveCommand };

function configPath(args: readonly string[]): string {
  let path = defaultConfigPath();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--config' && args[i + 1]) path = args[++i]!;
    else if (arg.startsWith('--config=')) path = arg.slice('--config='.length);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument "${arg}"\n${USAGE}\n`);
      process.exit(2);
    }
  }
  return path;
}

/** A command's status, once what it wrote to stdout has been handed to the OS. */
async function runCommand(command: Command, args: readonly string[]): Promise<never> {
  const status = await command(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, now: () => new Date() });
  return new Promise<never>(() => process.stdout.write('', () => process.exit(status)));
}

async function main(): Promise<void> {
  const [first, ...rest] = process.argv.slice(2);
  const command = first !== undefined && Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (command !== undefined) await runCommand(command, rest);
  const path = configPath(process.argv.slice(2));
  let config;
  try {
    config = loadConfig(path);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(error.message + '\n');
      process.exit(1);
    }
    throw error;
  }
  setLogLevel(config.service.telemetry.logs.level);
  log.info('configuration read', { config: path });
  tuneHeapGrowth();
  const missing = missingStartSettings();
  if (missing.length > 0) {
    log.info('node was started without the flags or environment the bin sets: peak memory is higher (README "Memory")', { missing: missing.join(' ') });
  }
  let running;
  try {
    running = await startSpanpulse(config);
  } catch (error) {
    log.error('spanpulse could not start', { error, config: path });
    process.exit(1);
  }
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log.warn('second signal: exiting without waiting for the flush', { signal });
      process.exit(1);
    }
    log.info('shutting down', { signal });
    running.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // As a daemon's reload: certificates renewed on disk are served without a restart (README "TLS").
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading the TLS certificates');
    reloadTlsFiles();
  });
}

process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', { error: reason }));
main().catch((error: unknown) => {
  log.error('spanpulse could not start', { error });
  process.exit(1);
});
