import type { FoldScore, StudyFolds } from '../../domain/folds.js';
import { byFold, encodeRows, toFoldScore, toStudyFolds, type FoldRow, type FoldScoreRow } from '../fold-codec.js';
import type { Queries } from './database.js';

/** The study's folds, or undefined when it has none. */
export async function foldsOf(q: Queries, studyId: number): Promise<StudyFolds | undefined> {
  return toStudyFolds(await q.rows<FoldRow>(`SELECT fold, seed, stratified, row_count, sha256, rows FROM study_folds WHERE study_id = $1`, [studyId]));
}

/** Writes the folds of a study that has none; the caller holds the study's lock. */
export async function insertFolds(q: Queries, studyId: number, folds: StudyFolds): Promise<void> {
  for (const f of folds.folds) {
    await q.run(`INSERT INTO study_folds (study_id, fold, seed, stratified, row_count, sha256, rows) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      studyId,
      f.fold,
      folds.seed,
      folds.stratified,
      f.count,
      f.sha256,
      encodeRows(f.rows),
    ]);
  }
}

/** Replaces a trial's fold scores. Throws Error for a trial that does not exist. */
export async function replaceFoldScores(q: Queries, trialId: number, scores: readonly FoldScore[]): Promise<void> {
  if ((await q.row(`SELECT 1 FROM trials WHERE id = $1`, [trialId])) === undefined) throw new Error(`no trial with id ${trialId}`);
  await q.run(`DELETE FROM fold_scores WHERE trial_id = $1`, [trialId]);
  for (const s of scores) {
    await q.run(`INSERT INTO fold_scores (trial_id, execution, fold, score, best_epoch) VALUES ($1, $2, $3, $4, $5)`, [
      trialId,
      s.execution,
      s.fold,
      s.score,
      s.bestEpoch,
    ]);
  }
}

/** A trial's fold scores by fold, then execution. */
export async function foldScoresOf(q: Queries, trialId: number): Promise<FoldScore[]> {
  return byFold((await q.rows<FoldScoreRow>(`SELECT execution, fold, score, best_epoch FROM fold_scores WHERE trial_id = $1`, [trialId])).map(toFoldScore));
}
