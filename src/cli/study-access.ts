import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../errors.js';
import { parseSpace } from '../space/parse-space.js';
import type { StudySpec } from '../space/study-spec.js';
import type { StorageLocation } from '../storage/location.js';
import { openStorage } from '../storage/open-storage.js';
import { SqliteStorage } from '../storage/sqlite.js';
import { writeError } from '../storage/sqlite-open.js';
import type { Storage } from '../storage/storage.js';
import type { StudyRecord } from '../domain/study.js';

// With the flag parsers, which every command's registration loads without this file's SQLite.
import { studyFlag } from './parse.js';
export { DEFAULT_DB, studyFlag } from './parse.js';

/**
 * Opens an existing storage for the read commands; a missing SQLite file is bad input, not a
 * new database. Reading needs no write access: a database on a read-only mount, or that this
 * process may not write, is still listed, shown and exported (a note on stderr says when what
 * it reads is a copy that a writer elsewhere could outdate). A PostgreSQL database is opened
 * as `tune run` opens it. Rejects with InputError as the storages' open does.
 */
export async function openExisting(location: StorageLocation): Promise<Storage> {
  if (location.kind === 'postgresql') return await openStorage(location);
  const db = location.path;
  if (!existsSync(db)) throw new InputError(db, 'file', 'does not exist; run `tune run SPACE.json` first (or pass --db or --storage)');
  if (writeError(db) || writeError(dirname(db))) return await SqliteStorage.openReadOnly(db, (line) => process.stderr.write(`tune: ${line}\n`));
  return await SqliteStorage.open(db);
}

/**
 * The study a read command means: `--study NAME`, or the only study of the database.
 * Rejects with InputError for an unknown name, an empty database, or several studies and no name.
 */
export async function chooseStudy(storage: Storage, db: string, name?: string): Promise<StudyRecord> {
  if (name !== undefined) {
    studyFlag(name);
    const study = await storage.findStudy(name);
    if (!study) {
      const names = (await storage.listStudies()).map((s) => s.name);
      throw new InputError(db, `study "${name}"`, `does not exist (studies: ${names.length ? names.join(', ') : 'none'})`);
    }
    return study;
  }
  const studies = await storage.listStudies();
  if (studies.length === 0) throw new InputError(db, 'studies', 'the database has no study yet; run `tune run SPACE.json` first');
  if (studies.length > 1) throw new InputError(db, 'studies', `has ${studies.length} studies (${studies.map((s) => s.name).join(', ')}); pass --study NAME`);
  return studies[0]!;
}

/**
 * The study's space file as it was when the study was created. Its values are not checked
 * against the layers again: a study with invalid trials has values that build no model.
 */
export function studySpec(study: StudyRecord, db: string): StudySpec {
  return parseSpace(study.space, `${db} (study "${study.name}")`, { stored: true });
}
