import pg from 'pg';
import { connectError, pgCode } from './errors.js';

/*
 * PostgresStorage's connections: one pg Pool per handle, queries that return plain rows, and
 * transactions that are run again when PostgreSQL gives up on them (a deadlock or a
 * serialization failure), after an asynchronous wait, so that the event loop keeps serving
 * the workers and the terminal meanwhile.
 */

/** Connections one handle keeps at most: the study's writes are short, and workers never connect. */
export const POOL_SIZE = 4;

/** How long a handle waits for a connection before the first query fails. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** How often a transaction PostgreSQL aborted as a deadlock or serialization failure runs again. */
export const CONFLICT_RETRIES = 10;

/** The longest wait between two tries; waits grow from a few ms and are jittered. */
const MAX_RETRY_WAIT_MS = 1000;

/** serialization_failure and deadlock_detected: the transaction did nothing and may run again. */
const RETRYABLE = new Set(['40001', '40P01']);

// Counts come back as int8 and sizes are bigint: numbers here (files and counts stay far below
// 2^53). Times become ISO strings, as the records carry them.
const parseTime = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ);
const TYPES = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === pg.types.builtins.INT8) return (text: string) => Number(text);
    if (oid === pg.types.builtins.TIMESTAMPTZ) return (text: string) => (parseTime(text) as Date).toISOString();
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** What a transaction's body is given: queries on the transaction's one connection. */
export interface Queries {
  /** The rows of one statement. */
  rows<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** The first row of one statement, or undefined. */
  row<R>(text: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** Runs one statement; returns how many rows it changed. */
  run(text: string, params?: readonly unknown[]): Promise<number>;
}

/** Queries on `client`; `again` runs each one (a statement of its own) and says what failed. */
function queries(client: pg.Pool | pg.PoolClient, again: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn()): Queries {
  const result = (text: string, params: readonly unknown[]) => again(() => client.query({ text, values: [...params] }));
  const rows = async <R>(text: string, params: readonly unknown[] = []) => (await result(text, params)).rows as R[];
  return {
    rows,
    row: async <R>(text: string, params: readonly unknown[] = []) => (await rows<R>(text, params))[0],
    run: async (text, params = []) => (await result(text, params)).rowCount ?? 0,
  };
}

/** Runs `fn` again while it fails with a deadlock or serialization failure, up to CONFLICT_RETRIES times. */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!RETRYABLE.has(pgCode(err)) || attempt >= CONFLICT_RETRIES) throw err;
    }
    await pause(Math.random() * Math.min(MAX_RETRY_WAIT_MS, 5 * 2 ** attempt));
  }
}

export class Database {
  private readonly pool: pg.Pool;
  private ended: Promise<void> | undefined;
  /** Queries outside a transaction: each statement commits on its own. */
  readonly single: Queries;

  /**
   * `shown`: the URL as messages show it; a server that cannot be used throws InputError naming
   * it. `readOnly`: every connection starts with default_transaction_read_only on, so that the
   * server itself refuses any write of this handle's, whatever the code above it does.
   */
  constructor(
    url: string,
    private readonly shown: string,
    poolSize = POOL_SIZE,
    readOnly = false,
  ) {
    this.pool = new pg.Pool({
      connectionString: url,
      ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
      max: poolSize,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'tune',
      types: TYPES,
      allowExitOnIdle: true,
    });
    // An idle connection that the server closes (a restart, an administrator) must not end the
    // process: the pool drops it and the next query opens another, or fails with the reason.
    this.pool.on('error', () => {});
    this.single = queries(this.pool, (fn) => this.explained(() => retrying(fn)));
  }

  /**
   * Runs `body` in one transaction (READ COMMITTED: the explicit row locks it takes are what
   * order writers) and returns its result. A deadlock or serialization failure rolls it back
   * and runs it again, up to CONFLICT_RETRIES times; any other error rolls back and is thrown.
   */
  transaction<T>(body: (q: Queries) => Promise<T>): Promise<T> {
    return this.explained(() =>
      retrying(async () => {
        const client = await this.pool.connect();
        let broken: Error | undefined;
        try {
          await client.query('BEGIN');
          const result = await body(queries(client));
          await client.query('COMMIT');
          return result;
        } catch (err) {
          try {
            await client.query('ROLLBACK');
          } catch (rollback) {
            // The connection itself failed: the pool must not hand it out again.
            broken = rollback as Error;
          }
          throw err;
        } finally {
          client.release(broken);
        }
      }),
    );
  }

  /** Runs `fn`; an error that says the server cannot be used becomes an InputError (connectError). */
  private async explained<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw connectError(this.shown, err) ?? err;
    }
  }

  /** Closes every connection; a second call waits for the first. */
  end(): Promise<void> {
    this.ended ??= this.pool.end();
    return this.ended;
  }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
