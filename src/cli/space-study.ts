import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { StudyRecord } from '../domain/study.js';
import { givenValues } from '../space/given-values.js';
import type { Values } from '../space/hyperparameter.js';
import { parseJsonText } from '../space/json-text.js';
import type { StudySpec } from '../space/study-spec.js';
import type { Space } from '../space/space.js';
import { shownLocation } from '../storage/location.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import { databaseFault, reading } from './fail.js';
import { storageLocation, type StorageFlags } from './storage-flag.js';

/**
 * Runs `write` on the study of a space file, creating the study (and a new SQLite file) when
 * it does not exist yet, as `tune run` would: `tune enqueue` and `tune add` write to it before
 * any run. The study's space must equal the file's (openStudy's rule; no --overwrite here).
 * Closes the storage after. Rejects with InputError as openStudy does, and with a Fault
 * naming the database for a disk that refuses the write.
 */
export async function withSpaceStudy<T>(
  spec: StudySpec,
  flags: StorageFlags & { study?: string },
  write: (storage: Storage, study: StudyRecord) => Promise<T>,
): Promise<T> {
  const location = storageLocation(flags);
  const where = shownLocation(location);
  let storage: Storage | undefined;
  let failed = false;
  try {
    storage = await openStorage(location, { note: (line) => process.stderr.write(`tune: ${line}\n`) });
    const { tuner } = spec;
    const study = await storage.openStudy(flags.study ?? spec.name, spec.source, tuner.objective, tuner.direction, false);
    return await write(storage, study);
  } catch (err) {
    failed = true;
    throw databaseFault(err, where) ?? err;
  } finally {
    try {
      await storage?.close();
    } catch (err) {
      if (!failed) throw databaseFault(err, where) ?? err;
    }
  }
}

/** One value set given on the command line as JSON text (`where` names it), checked against the space. */
export function valuesArgument(space: Space, text: string, where: string): Values {
  let json: unknown;
  try {
    json = parseJsonText(text, 'command line');
  } catch (err) {
    if (err instanceof InputError) throw new InputError('command line', where, `${err.what}, got ${JSON.stringify(text)}`);
    throw err;
  }
  return givenValues(space, json, 'command line', where);
}

/** The value sets of a JSON-lines file, one object a line (blank lines skipped), each checked against the space. */
export function valuesFile(space: Space, path: string): Values[] {
  const text = textFile(path);
  const sets: Values[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    sets.push(givenValues(space, jsonLine(line, path, i + 1), path, `line ${i + 1}`));
  });
  if (sets.length === 0) throw new InputError(path, 'file', 'has no value sets; expected one JSON object a line');
  return sets;
}

/** One line of a JSON-lines file, parsed; throws InputError naming the line. */
export function jsonLine(line: string, path: string, n: number): unknown {
  try {
    return parseJsonText(line, path);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(path, `line ${n}`, err.what);
    throw err;
  }
}

/** A user's text file, read whole; a missing one is bad input, other faults are named by `reading`. */
export function textFile(path: string): string {
  return reading(path, () => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(path, 'file', 'does not exist');
      throw err;
    }
  });
}
