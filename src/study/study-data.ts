/**
 * The data a study ran on, and the proof that a later command reads the same: each split's
 * absolute path, size and sha256, recorded when `tune run` creates the study (schema version
 * 3). Hashing is cheap next to reading the features (a 65 MB split takes about 0.04 s), so
 * every check hashes the files again rather than trusting their size and mtime.
 */
import { resolve } from 'node:path';
import { digestFile } from '../data/file-digest.js';
import { InputError } from '../errors.js';
import type { StudyData } from './load-data.js';
import { SPLITS, type DataFile, type DataRecord, type Split } from '../domain/study.js';

/** The first 8 hex digits of a digest: enough to tell two files apart in a message. */
export const shortDigest = (sha256: string): string => sha256.slice(0, 8);

/** Each split's absolute path, size and sha256. Throws the system's error for a file that cannot be read. */
export async function digestSplits(paths: StudyData['paths']): Promise<DataRecord> {
  const files = await Promise.all(SPLITS.map((split) => digestOne(paths[split])));
  return Object.freeze({ train: files[0]!, valid: files[1]!, test: files[2]! });
}

async function digestOne(path: string): Promise<DataFile> {
  const absolute = resolve(path);
  return Object.freeze({ path: absolute, ...(await digestFile(absolute)) });
}

/** The recorded files as the paths of the three splits. */
export function recordedPaths(record: DataRecord): StudyData['paths'] {
  return { train: record.train.path, valid: record.valid.path, test: record.test.path };
}

/** The first split (of `splits`, in their order) whose bytes differ between two records, or undefined. */
export function differingSplit(a: DataRecord, b: DataRecord, splits: readonly Split[] = SPLITS): Split | undefined {
  return splits.find((s) => a[s].sha256 !== b[s].sha256 || a[s].size !== b[s].size);
}

/** What a refusal tells the user to do: when a recorded file changed, and when it is gone. */
export interface DataHints {
  changed: string;
  missing: string;
}

/**
 * Proves that the recorded files of `splits` still hold the bytes that study `study` ran on,
 * hashing each; returns their digests. Called by `tune run` before it resumes on the recorded
 * files and by `tune best` before it tests. Throws InputError naming the first file that
 * changed (`changed since study "NAME" ran on it (sha256 OLD -> NEW)`) or no longer exists,
 * with the hint; the system's error for a file that cannot be read.
 */
export async function checkRecorded(record: DataRecord, splits: readonly Split[], study: string, hints: DataHints): Promise<Map<Split, DataFile>> {
  const now = new Map<Split, DataFile>();
  for (const split of splits) {
    const { path, sha256 } = record[split];
    let file: DataFile;
    try {
      file = await digestOne(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new InputError(path, 'file', `no longer exists; study "${study}" ran on it (${hints.missing})`);
      throw err;
    }
    if (file.sha256 !== sha256)
      throw new InputError(
        path,
        'file',
        `changed since study "${study}" ran on it (sha256 ${shortDigest(sha256)} -> ${shortDigest(file.sha256)}); ${hints.changed}`,
      );
    now.set(split, file);
  }
  return now;
}
