import pg from 'pg';

/*
 * The PostgreSQL server the tests use: TUNE_TEST_POSTGRES, a URL whose user may create
 * databases. `npm test` sets it to a private cluster that scripts/postgres-cluster.mjs starts
 * (and stops after); set it yourself to test against another server. A test that needs the
 * server and finds none fails, saying why: none of them is ever skipped.
 */

const created: string[] = [];
let counter = 0;

/** The server's URL, or an Error that says why there is none and how to get one. */
export function testServer(): string {
  const url = process.env.TUNE_TEST_POSTGRES;
  if (url) return url;
  const why = process.env.TUNE_TEST_POSTGRES_UNAVAILABLE ?? 'TUNE_TEST_POSTGRES is not set';
  throw new Error(
    `PostgreSQL tests need a server, and there is none: ${why}. Run them with npm test (which starts a private cluster), ` +
      'or wrap the command: node scripts/postgres-cluster.mjs run -- node --test ..., or set TUNE_TEST_POSTGRES=postgresql://USER@HOST:PORT/DB',
  );
}

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs `sql` on the server's own database (TUNE_TEST_POSTGRES's), as its user. */
export async function onServer<R = Record<string, unknown>>(sql: string, params: unknown[] = [], url = testServer()): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL tests need a server, and TUNE_TEST_POSTGRES=${url} cannot be reached: ${(err as Error).message}`);
  }
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/** A new, empty database on the test server; returns its URL. dropTestDatabases removes it. */
export async function freshDatabase(): Promise<string> {
  const name = `tune_test_${process.pid}_${++counter}`;
  await onServer(`CREATE DATABASE ${name}`);
  created.push(name);
  return withDatabase(testServer(), name);
}

/** Drops every database freshDatabase made in this process (connections still open are ended). */
export async function dropTestDatabases(): Promise<void> {
  for (const name of created.splice(0)) await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
