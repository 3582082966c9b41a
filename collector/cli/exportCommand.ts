/**
 * `spanpulse export`: a report of GET /api/status/export from the command line, for cron jobs,
 * with the same parameters (api/export/exportQuery.ts) and the same rows and formats
 * (api/export/writeExport.ts), read from the configured store opened read-only, with or
 * without a collector running. `--out FILE` writes the file atomically (whole or not at all),
 * else the report goes to stdout. Returns the exit status: 0 written, 1 the config or store
 * failed, 2 a bad argument or parameter (the message says what is allowed).
 */
import { parseArgs } from 'node:util';
import { EXPORT_PARAMETERS, parseExportQuery } from '../../api/export/exportQuery.js';
import { sloOptionsOf } from '../../api/export/sloOptionsOf.js';
import { writeExport } from '../../api/export/writeExport.js';
import { HttpError } from '../../api/HttpError.js';
import { ConfigError, loadConfig } from '../config/loadConfig.js';
import { writeAtomically } from '../fs/writeAtomically.js';
import { openStoreReadOnly, retentionOf } from '../store/createStore.js';
import type { StoreReadOnly } from '../store/StoreReadOnly.js';
import type { CommandIo } from './CommandIo.js';
import { defaultConfigPath } from './configPath.js';

export const EXPORT_USAGE = `usage: spanpulse export [--config <file>] [--out <file>] [--report hourly|daily|weekly|sla]
         [--format csv|json|ndjson] [--by service|endpoint|agent] [--service <name>]
         [--window 1h|24h|7d|30d|90d | --from <ISO date> [--to <ISO date>] | --month YYYY-MM]
  The parameters of GET /api/status/export; the report goes to stdout unless --out is given.`;

export async function exportCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const fail = (status: number, message: string) => {
    io.stderr.write(`spanpulse export: ${message}\n`);
    return status;
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...args],
      options: {
        config: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(EXPORT_PARAMETERS.map((name) => [name, { type: 'string' as const }])),
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return fail(2, `${(error as Error).message}\n${EXPORT_USAGE}`);
  }
  if (values['help'] === true) {
    io.stdout.write(`${EXPORT_USAGE}\n`);
    return 0;
  }
  const configPath = typeof values['config'] === 'string' ? values['config'] : defaultConfigPath(io.env);
  let config;
  try {
    config = loadConfig(configPath, io.env);
  } catch (error) {
    if (error instanceof ConfigError) return fail(1, error.message);
    throw error;
  }
  const query = Object.fromEntries(EXPORT_PARAMETERS.filter((name) => values[name] !== undefined).map((name) => [name, values[name]]));
  let store: StoreReadOnly;
  try {
    store = await openStoreReadOnly(config);
  } catch (error) {
    return fail(1, `cannot open the store: ${(error as Error).message}`);
  }
  try {
    const services = (await store.listServices()).map((service) => service.serviceName);
    const request = parseExportQuery(query, { now: io.now(), retention: retentionOf(config), services });
    const slo = sloOptionsOf(config.extensions.status_api.slo);
    const out = values['out'];
    if (typeof out === 'string') await writeAtomically(out, (file) => writeExport(file, store, request, slo));
    else await writeExport(io.stdout, store, request, slo);
    return 0;
  } catch (error) {
    if (error instanceof HttpError) return fail(2, `${error.message}\n${EXPORT_USAGE}`);
    return fail(1, (error as Error).message);
  } finally {
    await store.close();
  }
}
