import type { StudyFolds } from '../domain/folds.js';
import { studyFolds } from '../folds/assign-folds.js';
import { foldHooks, joinSplits, type FoldHooks, type JoinedSplit } from '../folds/fold-data.js';
import type { CrossValidation } from '../space/study-spec.js';
import type { Storage } from '../storage/storage.js';
import type { StudyData } from './load-data.js';

/** What a cross-validated run trains on: train+valid as one split, and each fold's hooks for the workers. */
export interface CrossValidationRun {
  joined: JoinedSplit;
  hooks: FoldHooks;
  folds: StudyFolds;
}

/**
 * The folds of a cross-validated study: those it recorded, or, for its first run, drawn from
 * `seed` over train+valid and recorded (another process that drew them first wins, and both
 * train on its record). Throws Error when the recorded folds do not fit the data, which the
 * study's space and data record rule out unless the database was edited by hand.
 */
export async function crossValidationRun(storage: Storage, studyId: number, cv: CrossValidation, data: StudyData, seed: number): Promise<CrossValidationRun> {
  const joined = joinSplits(data.train, data.valid);
  const folds = (await storage.studyFolds(studyId)) ?? (await storage.recordFolds(studyId, studyFolds(joined.labels, cv.folds, cv.stratified, seed)));
  const rows = folds.folds.reduce((sum, f) => sum + f.count, 0);
  if (folds.folds.length !== cv.folds || rows !== joined.rows)
    throw new Error(`the study's recorded folds (${folds.folds.length} folds of ${rows} rows) do not fit ${cv.folds} folds of ${joined.rows} rows`);
  return { joined, hooks: foldHooks(folds, joined.rows), folds };
}
