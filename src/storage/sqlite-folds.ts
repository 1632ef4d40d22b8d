import type Database from 'better-sqlite3';
import type { FoldScore, StudyFolds } from '../domain/folds.js';
import { byFold, encodeRows, toFoldScore, toStudyFolds, type FoldRow, type FoldScoreRow } from './fold-codec.js';

/** Schema version 6: the folds of cross-validated studies, and each trial's score per execution x fold. */
export const FOLD_TABLES = `
CREATE TABLE study_folds (
  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE, fold INTEGER NOT NULL,
  seed INTEGER NOT NULL, stratified INTEGER NOT NULL, row_count INTEGER NOT NULL, sha256 TEXT NOT NULL, rows BLOB NOT NULL,
  PRIMARY KEY (study_id, fold)) WITHOUT ROWID;
CREATE TABLE fold_scores (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE, execution INTEGER NOT NULL, fold INTEGER NOT NULL,
  score REAL NOT NULL, best_epoch INTEGER NOT NULL,
  PRIMARY KEY (trial_id, execution, fold)) WITHOUT ROWID;`;

/** SqliteStorage's folds and fold scores (Storage's recordFolds, studyFolds, saveFoldScores, foldScores), each call one transaction. */
export class SqliteFolds {
  constructor(
    private readonly db: Database.Database,
    /** False for a file of an older schema read as it is (read-only): it has no fold tables, so nothing is cross-validated. */
    private readonly recorded: boolean,
  ) {}

  recordFolds(studyId: number, folds: StudyFolds): StudyFolds {
    return this.db
      .transaction(() => {
        if (this.db.prepare(`SELECT 1 FROM studies WHERE id = ?`).get(studyId) === undefined) throw new Error(`no study with id ${studyId}`);
        const kept = this.studyFolds(studyId);
        if (kept !== undefined) return kept;
        const insert = this.db.prepare(`INSERT INTO study_folds (study_id, fold, seed, stratified, row_count, sha256, rows) VALUES (?, ?, ?, ?, ?, ?, ?)`);
        for (const f of folds.folds) insert.run(studyId, f.fold, folds.seed, folds.stratified ? 1 : 0, f.count, f.sha256, encodeRows(f.rows));
        return this.studyFolds(studyId)!;
      })
      .immediate();
  }

  studyFolds(studyId: number): StudyFolds | undefined {
    if (!this.recorded) return undefined;
    return toStudyFolds(
      this.db.prepare(`SELECT fold, seed, stratified, row_count, sha256, rows FROM study_folds WHERE study_id = ?`).all(studyId) as FoldRow[],
    );
  }

  saveFoldScores(trialId: number, scores: readonly FoldScore[]): void {
    this.db
      .transaction(() => {
        if (this.db.prepare(`SELECT 1 FROM trials WHERE id = ?`).get(trialId) === undefined) throw new Error(`no trial with id ${trialId}`);
        this.db.prepare(`DELETE FROM fold_scores WHERE trial_id = ?`).run(trialId);
        const insert = this.db.prepare(`INSERT INTO fold_scores (trial_id, execution, fold, score, best_epoch) VALUES (?, ?, ?, ?, ?)`);
        for (const s of scores) insert.run(trialId, s.execution, s.fold, s.score, s.bestEpoch);
      })
      .immediate();
  }

  foldScores(trialId: number): FoldScore[] {
    if (!this.recorded) return [];
    return byFold(
      (this.db.prepare(`SELECT execution, fold, score, best_epoch FROM fold_scores WHERE trial_id = ?`).all(trialId) as FoldScoreRow[]).map(toFoldScore),
    );
  }
}
