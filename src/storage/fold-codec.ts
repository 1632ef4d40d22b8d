import type { FoldRows, FoldScore, StudyFolds } from '../domain/folds.js';

/*
 * How the SQL storages keep a study's folds and a trial's fold scores: one row per fold, its
 * row indices as little-endian int32 bytes (about 1 MB for 250,000 rows in all, next to the
 * features' hundreds), and one row per execution x fold.
 */

/** A folds table row, as SQLite and PostgreSQL return it. */
export interface FoldRow {
  fold: number;
  /** A string from PostgreSQL's bigint. */
  seed: number | string;
  stratified: number | boolean;
  row_count: number;
  sha256: string;
  rows: Buffer;
}

export interface FoldScoreRow {
  execution: number;
  fold: number;
  score: number;
  best_epoch: number;
}

/** A fold's rows as stored bytes. */
export function encodeRows(rows: Int32Array): Buffer {
  const out = Buffer.alloc(rows.length * 4);
  rows.forEach((r, i) => out.writeInt32LE(r, i * 4));
  return out;
}

function decodeRows(bytes: Buffer): Int32Array {
  const rows = new Int32Array(bytes.length / 4);
  for (let i = 0; i < rows.length; i++) rows[i] = bytes.readInt32LE(i * 4);
  return rows;
}

/** The study's folds from its rows (any order), or undefined when it has none. */
export function toStudyFolds(rows: readonly FoldRow[]): StudyFolds | undefined {
  if (rows.length === 0) return undefined;
  const sorted = [...rows].sort((a, b) => a.fold - b.fold);
  const folds: FoldRows[] = sorted.map((r) => Object.freeze({ fold: r.fold, count: r.row_count, sha256: r.sha256, rows: decodeRows(r.rows) }));
  return Object.freeze({ seed: Number(sorted[0]!.seed), stratified: Boolean(sorted[0]!.stratified), folds: Object.freeze(folds) });
}

export function toFoldScore(row: FoldScoreRow): FoldScore {
  return Object.freeze({ execution: row.execution, fold: row.fold, score: row.score, bestEpoch: row.best_epoch });
}

/** Fold scores by fold, then execution. */
export function byFold(scores: FoldScore[]): FoldScore[] {
  return scores.sort((a, b) => a.fold - b.fold || a.execution - b.execution);
}
