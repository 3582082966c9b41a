/** The MongoDB-compatible server of the MongoDB benches: MONGODB_URI, and what it is. */
import type { MongoClient } from 'mongodb';

/** MONGODB_URI, or null after saying how to set it (exit code 2). */
export function benchMongoUri(): string | null {
  const uri = process.env['MONGODB_URI'] ?? '';
  if (uri !== '') return uri;
  console.error('set MONGODB_URI (e.g. the URI printed by `scripts/ferretdb.sh start /tmp/fdb`)');
  process.exitCode = 2;
  return null;
}

/** "FerretDB v1.24.2" or "MongoDB 8.0.4", from buildInfo. */
export async function serverName(client: MongoClient): Promise<string> {
  const build = await client.db('admin').command({ buildInfo: 1 });
  return typeof build['ferretdbVersion'] === 'string' ? `FerretDB ${String(build['ferretdbVersion'])}` : `MongoDB ${String(build['version'])}`;
}
