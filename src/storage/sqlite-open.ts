/**
 * How SqliteStorage gets its connection: checked with quick_check before anything is written,
 * switched to WAL mode for writing (waiting for other processes), and, for reading only, read
 * even where SQLite cannot keep the -shm file that WAL mode needs (a read-only mount).
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InputError, reason } from '../errors.js';

/**
 * busy_timeout while a connection opens (quick_check, the schema), before anything else runs:
 * SQLite's busy handler waits by sleeping on the thread.
 */
export const OPEN_BUSY_MS = 5000;

/**
 * busy_timeout of every statement once the storage is open: short, so that SQLite sleeps on
 * the thread only briefly; `patiently` in sqlite.ts awaits a timer and tries again beyond it.
 */
export const BUSY_TIMEOUT_MS = 100;

/**
 * How long `tune run` waits for other processes (a backup, an sqlite3 shell) to let go of a
 * rollback-journal database that it must put in WAL mode. SQLite's busy handler waits in
 * short sleeps; nothing else runs yet, and Ctrl-C still ends the process.
 */
export const WAL_SWITCH_WAIT_MS = 120_000;

/** Byte offsets of the file format versions in an SQLite header: 2 means WAL mode. */
const HEADER_WRITE_VERSION = 18;
const HEADER_READ_VERSION = 19;
const ROLLBACK_FORMAT = 1;

export interface WritableOptions {
  /** Told one line (`PATH: where: what`) when the database stays out of WAL mode. */
  note?: (line: string) => void;
  /** How long to wait for another process's lock while switching to WAL mode. */
  walWaitMs?: number;
}

/** The SQLite error code of a thrown value ('' for none). */
export function sqliteCode(err: unknown): string {
  return String((err as { code?: unknown }).code ?? '');
}

/**
 * Fails with one InputError unless SQLite's quick_check passes: a database whose pages were
 * overwritten, or whose -wal vanished while it held pages, must not be read as if whole.
 * Called before anything is written, so that a refused file stays as it was.
 */
export function quickCheck(path: string, db: Database.Database): void {
  const rows = db.prepare('PRAGMA quick_check(1)').pluck().all() as string[];
  if (rows.length === 1 && rows[0] === 'ok') return;
  // A message starts with a header line naming the schema ("*** in database main ***").
  const lines = rows
    .join('\n')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^\*\*\* in database /.test(l));
  throw new InputError(path, 'database', `fails SQLite's quick_check (${lines[0] ?? 'no answer'})`);
}

/**
 * A read-write connection in WAL mode, quick-checked. Called by SqliteStorage.open. Throws
 * InputError for a file or folder it may not write, a database another process holds for
 * longer than `walWaitMs`, or one that fails quick_check; SQLite's other errors pass through.
 */
export function openWritable(path: string, options: WritableOptions = {}): Database.Database {
  // SQLite would open a file it may not write and fail only at the first write, midway.
  if (existsSync(path) && writeError(path))
    throw new InputError(path, 'file', 'is read-only (attempt to write a readonly database); tune run needs to write it');
  const folder = existsSync(dirname(path)) ? writeError(dirname(path)) : undefined;
  if (folder) throw new InputError(path, 'file', `is in a folder this process cannot write (${folder}); tune run needs to keep its -wal file beside it`);
  const db = new Database(path, { timeout: OPEN_BUSY_MS });
  try {
    quickCheck(path, db);
    const waitMs = options.walWaitMs ?? WAL_SWITCH_WAIT_MS;
    db.pragma(`busy_timeout = ${waitMs}`);
    let mode: unknown;
    try {
      mode = db.pragma('journal_mode = WAL', { simple: true });
    } catch (err) {
      if (!sqliteCode(err).startsWith('SQLITE_BUSY')) throw err;
      throw new InputError(path, 'file', `is held by another process for more than ${waitMs / 1000} s (${reason(err)}); tune run must put it in WAL mode`);
    }
    db.pragma(`busy_timeout = ${OPEN_BUSY_MS}`);
    if (mode !== 'wal')
      options.note?.(`${path}: file: stays in ${String(mode)} journal mode, as SQLite cannot put it in WAL mode here; readers will hold up tune run's writes`);
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * A read-only connection, quick-checked, for a database this process may not write. Where
 * SQLite cannot create the -shm file of a WAL-mode database (a read-only mount, a folder it
 * may not write) it reads a copy of the file in memory instead: correct while nothing writes
 * the file, which a read-only mount guarantees; elsewhere `note` is told. Refuses, in one
 * InputError, a -wal file with committed pages that only a -shm would let it read.
 */
export function openReadOnly(path: string, note?: (line: string) => void): Database.Database {
  let db = new Database(path, { readonly: true, fileMustExist: true, timeout: OPEN_BUSY_MS });
  try {
    quickCheck(path, db);
    return db;
  } catch (err) {
    db.close();
    if (sqliteCode(err) !== 'SQLITE_CANTOPEN' && !sqliteCode(err).startsWith('SQLITE_READONLY')) throw err;
  }
  const wal = `${path}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    throw new InputError(path, 'file', `has committed changes in ${wal} that SQLite reads only with a -shm file, which it cannot create in this folder`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new InputError(path, 'file', `cannot be read into memory, as its folder cannot be written (${reason(err)})`);
  }
  // The copy claims WAL mode, which a database in memory cannot have; its -wal holds nothing.
  bytes[HEADER_WRITE_VERSION] = ROLLBACK_FORMAT;
  bytes[HEADER_READ_VERSION] = ROLLBACK_FORMAT;
  db = new Database(bytes, { readonly: true });
  try {
    quickCheck(path, db);
  } catch (err) {
    db.close();
    throw err;
  }
  if (writeError(dirname(path)) !== 'EROFS')
    note?.(`${path}: file: read from a copy in memory, as its folder cannot be written; a tune run writing it now may not be seen`);
  return db;
}

/** The errno code that forbids writing `path` (EROFS on a read-only mount), or undefined. */
export function writeError(path: string): string | undefined {
  try {
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (err) {
    return sqliteCode(err) || 'EACCES';
  }
}
