import { CLASS_METRICS, METRIC_NAMES, storedMetrics, type ClassMetric } from '../domain/metrics.js';
import type { Values } from '../space/hyperparameter.js';
import type { DataRecord, Split, StudyRecord } from '../domain/study.js';
import type { AttemptRecord, EpochMetrics, Schedule, TrialRecord, TrialStatus } from '../domain/trial.js';

/*
 * The rows of the SQL storages' tables (SQLite's and PostgreSQL's have the same columns), and
 * how they become the frozen records Storage returns, so that both storages return the same
 * records field for field. Times are ISO strings in both (PostgreSQL's database.ts parses them so).
 */

export interface StudyRow {
  id: number;
  name: string;
  space_json: string;
  objective: string;
  direction: 'max' | 'min';
  created_at: string;
}

export interface TrialRow {
  id: number;
  number: number;
  status: TrialStatus;
  values_json: string;
  score: number | null;
  best_epoch: number | null;
  started_at: string;
  finished_at: string | null;
  seconds: number | null;
  error: string | null;
  schedule_json: string | null;
  attempt: number;
}

export interface EpochRow extends Partial<Record<ClassMetric, number | null>> {
  execution: number;
  epoch: number;
  loss: number | null;
  accuracy: number | null;
  val_loss: number | null;
  val_accuracy: number | null;
}

/** The epochs table's metric columns, named as the metrics, in the order epochParams gives their values. */
export const EPOCH_METRIC_COLUMNS = METRIC_NAMES.join(', ');

/** An epoch's metric values for EPOCH_METRIC_COLUMNS: a class metric it does not record (or a NaN one, an AUC of one class) is NULL. */
export function epochParams(m: EpochMetrics): (number | null)[] {
  return [m.loss, m.accuracy, m.val_loss, m.val_accuracy, ...CLASS_METRICS.map((n) => (m[n] === undefined || Number.isNaN(m[n]) ? null : m[n]!))];
}

export interface AttemptRow {
  attempt: number;
  outcome: AttemptRecord['outcome'];
  started_at: string;
  ended_at: string;
  owner: string | null;
  error: string | null;
}

export interface StudyDataRow {
  split: Split;
  path: string;
  size: number;
  sha256: string;
}

/** SQLite stores NaN as NULL, PostgreSQL keeps NaN; metrics are only ever NULL that way, so NULL reads back as NaN. */
const metric = (value: number | null): number => value ?? Number.NaN;

export function toStudy(row: StudyRow): StudyRecord {
  return Object.freeze({
    id: row.id,
    name: row.name,
    space: JSON.parse(row.space_json) as unknown,
    objective: row.objective,
    direction: row.direction,
    createdAt: row.created_at,
  });
}

export function toTrial(row: TrialRow): TrialRecord {
  return Object.freeze({
    id: row.id,
    number: row.number,
    status: row.status,
    values: Object.freeze(JSON.parse(row.values_json) as Values),
    score: row.score,
    bestEpoch: row.best_epoch,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    seconds: row.seconds,
    error: row.error,
    schedule: row.schedule_json === null ? null : Object.freeze(JSON.parse(row.schedule_json) as Schedule),
    attempt: row.attempt,
  });
}

export function toEpoch(row: EpochRow): { execution: number; epoch: number; metrics: EpochMetrics } {
  return Object.freeze({
    execution: row.execution,
    epoch: row.epoch,
    metrics: storedMetrics({
      loss: metric(row.loss),
      accuracy: metric(row.accuracy),
      val_loss: metric(row.val_loss),
      val_accuracy: metric(row.val_accuracy),
      ...Object.fromEntries(CLASS_METRICS.flatMap((n) => (row[n] === null || row[n] === undefined ? [] : [[n, row[n]]]))),
    }),
  });
}

export function toAttempt(r: AttemptRow): AttemptRecord {
  return Object.freeze({ attempt: r.attempt, outcome: r.outcome, startedAt: r.started_at, endedAt: r.ended_at, owner: r.owner, error: r.error });
}

/** The record of a study's data rows, or undefined when it has none (or only some, which no tune writes). */
export function toDataRecord(rows: StudyDataRow[]): DataRecord | undefined {
  const bySplit = new Map(rows.map((r) => [r.split, Object.freeze({ path: r.path, size: r.size, sha256: r.sha256 })]));
  const train = bySplit.get('train');
  const valid = bySplit.get('valid');
  const test = bySplit.get('test');
  return train && valid && test ? Object.freeze({ train, valid, test }) : undefined;
}

/** The trials columns a copied or appended trial writes, in the order of importedRow's values. */
export const IMPORTED_COLUMNS = `study_id, number, status, values_json, score, best_epoch, started_at, finished_at, seconds, error, schedule_json, attempt`;

/** A copied or appended trial's column values (IMPORTED_COLUMNS), as both SQL storages insert them. */
export function importedRow(studyId: number, t: Omit<TrialRecord, 'id'>): unknown[] {
  const schedule = t.schedule === null ? null : JSON.stringify(t.schedule);
  return [studyId, t.number, t.status, JSON.stringify(t.values), t.score, t.bestEpoch, t.startedAt, t.finishedAt, t.seconds, t.error, schedule, t.attempt];
}
