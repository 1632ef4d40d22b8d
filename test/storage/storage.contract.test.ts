import { join } from 'node:path';
import { MemoryStorage } from '../../src/storage/memory.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { tempDir } from '../helpers/tune.js';
import { storageContract } from './storage-contract.js';

storageContract(
  'SqliteStorage (a file in a temporary folder)',
  () => SqliteStorage.open(join(tempDir('tune-storage-'), 'tune.db')),
  (storage) => SqliteStorage.open((storage as SqliteStorage).path),
);

storageContract(
  'MemoryStorage (a store in this process)',
  () => new MemoryStorage(),
  (storage) => new MemoryStorage((storage as MemoryStorage).store),
);
