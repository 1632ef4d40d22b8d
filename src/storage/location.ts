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

/**
 * Reads a storage that a command names as an argument (tune storage copy's FROM and TO): a
 * storage URL as --storage takes it, or else a plain path, meaning a SQLite file. Throws
 * InputError as parseStorage does, for an empty argument, and for a URL of another scheme.
 */
export function parseStorageArgument(text: string, where: string): StorageLocation {
  if (text === '') throw new InputError('command line', where, 'must name a storage (a SQLite file or a URL), got ""');
  return /^[a-z][a-z0-9+.-]*:/i.test(text) && (text.includes('://') || text.startsWith('sqlite:'))
    ? parseStorage(text, 'command line', where)
    : { kind: 'sqlite', path: text };
}

/** PostgreSQL's port when a URL gives none. */
const POSTGRES_PORT = '5432';

/**
 * Whether two locations name one storage: one SQLite file (`real` resolves a path's links, as
 * realpath does, or returns it absolute when the file does not exist yet), or one database of
 * one server, whoever logs in.
 */
export function sameStorage(a: StorageLocation, b: StorageLocation, real: (path: string) => string): boolean {
  if (a.kind === 'sqlite' && b.kind === 'sqlite') return real(a.path) === real(b.path);
  if (a.kind === 'sqlite' || b.kind === 'sqlite') return false;
  const key = (url: string): string => {
    try {
      const u = new URL(url);
      return `${u.hostname.toLowerCase()}:${u.port || POSTGRES_PORT}/${decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username)}`;
    } catch {
      return url;
    }
  };
  return key(a.url) === key(b.url);
}
