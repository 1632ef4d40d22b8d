import type { StorageLocation } from './location.js';
import type { Storage } from './storage.js';

export interface OpenOptions {
  /** Where notes go (a SQLite database migrated in place, say). */
  note?: (line: string) => void;
}

/**
 * Opens (creating when needed) the storage at `location`. Each kind's module is loaded only
 * when it is used, so that a SQLite user never loads the PostgreSQL driver, nor the other way.
 * Throws InputError as SqliteStorage.open and PostgresStorage.open do.
 */
export async function openStorage(location: StorageLocation, options: OpenOptions = {}): Promise<Storage> {
  if (location.kind === 'postgresql') {
    const { PostgresStorage } = await import('./postgres/postgres.js');
    return await PostgresStorage.open(location.url);
  }
  const { SqliteStorage } = await import('./sqlite.js');
  return await SqliteStorage.open(location.path, options);
}
