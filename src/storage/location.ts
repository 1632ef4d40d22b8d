/**
 * Where a study's storage is: a SQLite file, or a PostgreSQL database that many hosts share.
 * Written as `--db PATH` (SQLite's short form), `--storage sqlite:///PATH`, or `--storage
 * postgresql://USER@HOST:PORT/DB` (also `postgres://`), or in the TUNE_STORAGE variable.
 */
import { InputError } from '../errors.js';

export type StorageLocation = { kind: 'sqlite'; path: string } | { kind: 'postgresql'; url: string };

/** The long form's prefix for SQLite, as SQLAlchemy (and so Optuna) writes it: sqlite:///rel, sqlite:////abs. */
const SQLITE = 'sqlite:///';
const POSTGRES = /^postgres(ql)?:\/\//;

/**
 * Reads a storage URL; `source` names where it came from (a flag or the variable) for the
 * message. Throws InputError for an empty one, an unknown scheme, or sqlite:/// with no path.
 */
export function parseStorage(text: string, source: string, where: string): StorageLocation {
  if (text.startsWith(SQLITE)) {
    const path = text.slice(SQLITE.length);
    if (path === '') throw new InputError(source, where, `names no file after sqlite:/// (got "${text}")`);
    return { kind: 'sqlite', path };
  }
  if (POSTGRES.test(text)) return { kind: 'postgresql', url: text };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1];
  const got = scheme === undefined ? `"${text}"` : `the scheme "${scheme}" in "${masked(text)}"`;
  throw new InputError(source, where, `must be sqlite:///PATH or postgresql://USER@HOST:PORT/DB, got ${got}`);
}

/** The location as messages name it: the file's path, or the URL with any password as ***. */
export function shownLocation(location: StorageLocation): string {
  return location.kind === 'sqlite' ? location.path : masked(location.url);
}

/** A URL with its password replaced by ***; text that is no URL is returned as it is. */
function masked(text: string): string {
  try {
    const url = new URL(text);
    if (url.password === '') return text;
    url.password = '***';
    return url.toString();
  } catch {
    return text;
  }
}
