import { after } from 'node:test';
import { PostgresStorage } from '../../src/storage/postgres/postgres.js';
import type { Storage } from '../../src/storage/storage.js';
import { dropTestDatabases, freshDatabase } from '../helpers/postgres.js';
import { storageContract } from './storage-contract.js';

/** The URL each handle was opened with (a handle shows its URL without the password). */
const urls = new WeakMap<Storage, string>();

async function openAt(url: string): Promise<Storage> {
  const storage = await PostgresStorage.open(url);
  urls.set(storage, url);
  return storage;
}

after(dropTestDatabases);

storageContract(
  'PostgresStorage (a fresh database on the test server per store)',
  async () => openAt(await freshDatabase()),
  (storage) => openAt(urls.get(storage)!),
);
