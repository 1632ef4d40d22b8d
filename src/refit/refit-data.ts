import type { StudyRecord } from '../domain/study.js';
import type { StudySpec } from '../space/study-spec.js';
import type { Storage } from '../storage/storage.js';
import { dataPaths, loadStudyData, type StudyData } from '../study/load-data.js';
import { checkRecorded, recordedPaths } from '../study/study-data.js';

/**
 * The splits a refit trains on: the files the study ran on, proved unchanged (a study of an
 * earlier tune has no record, so the space file's), or DIR/{train,valid,test}.hdf5 with
 * `dataDir` (the user's own choice, unchecked, as `tune best --data` is). Called by `tune best
 * --refit` after the test split has been opened. Throws InputError for a recorded file that
 * changed or vanished, and whatever loadStudyData refuses (splits that disagree, labels the
 * model cannot output).
 */
export async function refitData(storage: Storage, study: StudyRecord, spec: StudySpec, where: string, dataDir?: string): Promise<StudyData> {
  const record = dataDir === undefined ? await storage.studyData(study.id) : undefined;
  const hint = 'pass --data DIR to refit on other data';
  if (record !== undefined) await checkRecorded(record, ['train', 'valid'], study.name, { changed: hint, missing: hint });
  return loadStudyData(spec, where, record !== undefined ? recordedPaths(record) : dataPaths(spec, dataDir));
}
