/** The spanpulse version, read once from package.json (shipped beside dist/). */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'spanpulse' && parsed.version) return parsed.version;
    } catch {
      // not at this level: from source (collector/) it is one up, from dist/collector/ two up
    }
  }
  return '0.0.0';
}

export const version = readVersion();
