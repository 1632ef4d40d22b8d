/**
 * How PostgresStorage gets its database: the URL checked (and its password kept out of every
 * message), the server reached, and the schema created or migrated under an advisory lock, so
 * that processes starting at once take turns and none sees half a schema.
 */
import { InputError } from '../../errors.js';
import type { Database, Queries } from './database.js';
import { MIGRATION_LOCK, MIGRATIONS, SCHEMA_VERSION } from './schema.js';

const SCHEMES = ['postgres:', 'postgresql:'];

/**
 * The URL as messages show it: its password, if any, replaced by ***. Throws InputError for a
 * URL that is not a PostgreSQL one.
 */
export function shownUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(url, 'url', 'is not a URL (expected postgresql://USER@HOST:PORT/DATABASE)');
  }
  if (!SCHEMES.includes(parsed.protocol)) {
    throw new InputError(url, 'url', `has the scheme ${JSON.stringify(parsed.protocol.slice(0, -1))}; PostgreSQL storage takes postgresql://`);
  }
  if (parsed.password === '') return url;
  parsed.password = '***';
  return parsed.toString();
}

/**
 * The schema version the database records, or undefined for one with no tables yet (in the
 * schema the connection writes to). Throws InputError for a database that is not tune's, one
 * with no valid version, and one from a newer tune.
 */
async function storedVersion(url: string, q: Queries): Promise<number | undefined> {
  // Tables, views and sequences alike: tune creates its schema only where there is nothing.
  const relations = (
    await q.rows<{ name: string }>(
      `SELECT relname AS name FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f') ORDER BY relname`,
    )
  ).map((r) => r.name);
  if (!relations.includes('tune_meta')) {
    if (relations.length > 0) throw new InputError(url, 'database', `is a PostgreSQL database but not one of tune's (it already holds ${relations[0]})`);
    return undefined;
  }
  const stored = (await q.row<{ value: string }>(`SELECT value FROM tune_meta WHERE key = 'schema_version'`))?.value;
  const version = Number(stored);
  if (stored === undefined || !Number.isInteger(version) || version < 1) {
    throw new InputError(url, 'schema', `has no valid schema version (got ${JSON.stringify(stored ?? null)})`);
  }
  if (version > SCHEMA_VERSION) {
    throw new InputError(url, 'schema', `was written by a newer tune (schema version ${version}, this one reads up to ${SCHEMA_VERSION})`);
  }
  return version;
}

/**
 * Brings the database to SCHEMA_VERSION: creates the tables in an empty one, runs the
 * migrations an older one lacks, all in one transaction under the migration lock. A database
 * already current is only read. Throws InputError as storedVersion does, and (through `db`)
 * for a server that cannot be used.
 */
export async function migrate(url: string, db: Database): Promise<void> {
  if ((await storedVersion(url, db.single)) === SCHEMA_VERSION) return;
  await db.transaction(async (q) => {
    await q.run(`SELECT pg_advisory_xact_lock($1)`, [MIGRATION_LOCK]);
    // Read again under the lock: another process may have migrated while this one waited.
    const version = (await storedVersion(url, q)) ?? 0;
    if (version === SCHEMA_VERSION) return;
    for (let v = version; v < SCHEMA_VERSION; v++) await q.run(MIGRATIONS[v]!);
    await q.run(`INSERT INTO tune_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [
      String(SCHEMA_VERSION),
    ]);
  });
}

/**
 * Checks, writing nothing, that the database holds tune's schema at SCHEMA_VERSION, as a
 * read-only handle needs: it cannot create or migrate one. Throws InputError as storedVersion
 * does, and for a database with no tables or an older schema.
 */
export async function checkReadable(url: string, db: Database): Promise<void> {
  const version = await storedVersion(url, db.single);
  if (version === undefined) throw new InputError(url, 'database', 'has no tune tables yet; run `tune run SPACE.json --storage URL` first');
  if (version < SCHEMA_VERSION)
    throw new InputError(url, 'schema', `is older than this tune's (version ${version}, not ${SCHEMA_VERSION}); any tune command that writes migrates it`);
}
