/**
 * `spanpulse archive verify [--dir <folder>] [--config <file>]`: checks the archive files
 * (collector/store/archive/verifyArchive.ts) of `--dir`, else of the config's
 * `extensions.retention.archive_dir`, and prints a summary per collection. Exit status: 0 all
 * good, 1 a problem found (each printed) or the folder unreadable, 2 a bad argument.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/loadConfig.js';
import { verifyArchive } from '../store/archive/verifyArchive.js';
import { defaultConfigPath } from './configPath.js';
import type { CommandIo } from './CommandIo.js';

export const ARCHIVE_USAGE = 'usage: spanpulse archive verify [--dir <archive folder>] [--config <file>]   (default: extensions.retention.archive_dir)';

export async function archiveCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const fail = (status: number, message: string) => {
    io.stderr.write(`spanpulse archive: ${message}\n`);
    return status;
  };
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { dir: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (error) {
    return fail(2, `${(error as Error).message}\n${ARCHIVE_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout.write(`${ARCHIVE_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'verify') return fail(2, `expected the subcommand verify\n${ARCHIVE_USAGE}`);
  let dir = values.dir;
  if (dir === undefined) {
    try {
      dir = loadConfig(values.config ?? defaultConfigPath(io.env), io.env).extensions.retention.archive_dir;
    } catch (error) {
      if (error instanceof ConfigError) return fail(1, error.message);
      throw error;
    }
  }
  let verification;
  try {
    verification = await verifyArchive(dir);
  } catch (error) {
    return fail(1, `cannot read the archive ${dir}: ${(error as Error).message}`);
  }
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`archive ${dir}`);
  for (const c of verification.collections) {
    const days = c.firstDay === null ? 'no files' : `${c.firstDay} .. ${c.lastDay}`;
    out(`  ${c.collection}: ${c.files} files, ${c.lines} documents, ${c.bytes} bytes, ${days}${c.newerVersions > 0 ? `, ${c.newerVersions} newer versions of documents archived before` : ''}`);
  }
  if (verification.collections.length === 0) out('  no archived collections yet');
  for (const path of verification.incompleteWrites) out(`  incomplete write (a run stopped while writing; the next run removes it): ${path}`);
  for (const problem of verification.problems) out(`  PROBLEM ${problem}`);
  out(verification.problems.length === 0 ? 'ok' : `${verification.problems.length} problems`);
  return verification.problems.length === 0 ? 0 : 1;
}
