import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { parseStorage, type StorageLocation } from '../storage/location.js';
import { DEFAULT_DB } from './parse.js';

/** The variable that names the storage when no flag does (as Optuna users set one URL for a cluster). */
export const STORAGE_ENV = 'TUNE_STORAGE';

export interface StorageFlags {
  db?: string;
  storage?: string;
}

/** Adds --db and --storage to a command that opens a study's storage. */
export function storageOptions(command: Command, verb: string): Command {
  return command
    .option('--db <path>', `the SQLite database ${verb} (default: ${DEFAULT_DB}, or $${STORAGE_ENV})`)
    .option('--storage <url>', `the storage ${verb}: sqlite:///PATH or postgresql://USER@HOST:PORT/DB (default: $${STORAGE_ENV})`);
}

/**
 * Where the command's storage is: --storage, else --db, else $TUNE_STORAGE, else trials.db.
 * Throws InputError for both flags at once and for a URL that names no storage.
 */
export function storageLocation(flags: StorageFlags, env: NodeJS.ProcessEnv = process.env): StorageLocation {
  if (flags.storage !== undefined && flags.db !== undefined) {
    throw new InputError(
      'command line',
      '--storage',
      `cannot be given with --db (got "${flags.storage}" and --db "${flags.db}"); --db PATH is short for --storage sqlite:///PATH`,
    );
  }
  if (flags.storage !== undefined) return parseStorage(flags.storage, 'command line', '--storage');
  if (flags.db !== undefined) {
    if (flags.db === '') throw new InputError('command line', '--db', 'must name a file, got ""');
    return { kind: 'sqlite', path: flags.db };
  }
  const named = env[STORAGE_ENV];
  if (named !== undefined && named !== '') return parseStorage(named, 'environment', STORAGE_ENV);
  return { kind: 'sqlite', path: DEFAULT_DB };
}
