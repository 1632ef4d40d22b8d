import { sqlList, TRIAL_STATUSES, type TrialStatus } from '../domain/trial.js';
import { CLASS_METRICS } from '../domain/metrics.js';
import type { TrialRow as SqlTrialRow } from './sql-rows.js';
import { FOLD_TABLES } from './sqlite-folds.js';

/*
 * SqliteStorage's tables and their migrations. Kept apart from sqlite.ts so that the queries
 * there read without the DDL; rows become records in sql-rows.ts, as PostgreSQL's do.
 */

/** The trials table of version `statuses` allows: version 2's six, or version 4's eight. */
const trialsTable = (statuses: readonly TrialStatus[]): string => `
CREATE TABLE trials (
  id INTEGER PRIMARY KEY AUTOINCREMENT, study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN (${sqlList(statuses)})),
  values_json TEXT NOT NULL, score REAL, best_epoch INTEGER, started_at TEXT NOT NULL,
  finished_at TEXT, seconds REAL, error TEXT, schedule_json TEXT,
  attempt INTEGER NOT NULL DEFAULT 1, owner TEXT, heartbeat_at INTEGER, UNIQUE (study_id, number));`;
const TRIALS_TABLE = trialsTable(TRIAL_STATUSES);
const TRIALS_TABLE_V2 = trialsTable(['running', 'complete', 'failed', 'interrupted', 'invalid', 'stopped']);

/** Rebuilds the trials table as `table` (SQLite cannot change a CHECK in place), keeping ids and the id sequence. */
const rebuildTrials = (table: string, columns: string): string => `
${table.replace('CREATE TABLE trials', 'CREATE TABLE trials_next')}
INSERT INTO trials_next (${columns}) SELECT ${columns} FROM trials;
DELETE FROM sqlite_sequence WHERE name = 'trials_next';
INSERT INTO sqlite_sequence (name, seq) SELECT 'trials_next', seq FROM sqlite_sequence WHERE name = 'trials';
DROP TABLE trials;
ALTER TABLE trials_next RENAME TO trials;
`;

const ATTEMPTS_TABLE = `
CREATE TABLE attempts (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE, attempt INTEGER NOT NULL,
  outcome TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT NOT NULL, owner TEXT, error TEXT,
  PRIMARY KEY (trial_id, attempt)) WITHOUT ROWID;`;

const CHECKPOINTS_TABLE = `
CREATE TABLE checkpoints (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE, execution INTEGER NOT NULL,
  iterations INTEGER NOT NULL, weight_count INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (trial_id, execution)) WITHOUT ROWID;`;

/** Version 3: the files each study ran on, so that a resume and `tune best` read the same bytes. */
const STUDY_DATA_TABLE = `
CREATE TABLE study_data (
  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  split TEXT NOT NULL CHECK (split IN ('train', 'valid', 'test')),
  path TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
  PRIMARY KEY (study_id, split)) WITHOUT ROWID;`;

/**
 * The tables of the current schema (version 6), created in one transaction on a new file.
 * AUTOINCREMENT so that an overwritten study's ids are never reused: a `tune show` holding an
 * old id must find nothing rather than another study's trials.
 */
export const SCHEMA = `
CREATE TABLE tune_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE studies (
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, space_json TEXT NOT NULL,
  objective TEXT NOT NULL, direction TEXT NOT NULL CHECK (direction IN ('max', 'min')),
  created_at TEXT NOT NULL);
${TRIALS_TABLE}
CREATE TABLE epochs (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  execution INTEGER NOT NULL, epoch INTEGER NOT NULL,
  loss REAL, accuracy REAL, val_loss REAL, val_accuracy REAL, ${CLASS_METRICS.map((m) => `${m} REAL`).join(', ')},
  PRIMARY KEY (trial_id, execution, epoch)) WITHOUT ROWID;
CREATE TABLE weights (
  trial_id INTEGER PRIMARY KEY REFERENCES trials(id) ON DELETE CASCADE, data BLOB NOT NULL);
${CHECKPOINTS_TABLE}
${ATTEMPTS_TABLE}
${STUDY_DATA_TABLE}
${FOLD_TABLES}
`;

/**
 * Steps from each older schema version to the next; MIGRATIONS[v] turns version v into v + 1.
 * They run inside the opening transaction with foreign keys off, so that rebuilding a table
 * (SQLite cannot change a CHECK in place) does not cascade into the rows that point at it.
 */
export const MIGRATIONS: Record<number, string> = {
  // 2: the invalid and stopped statuses, Hyperband schedules, resumable checkpoints, and
  // attempts: which process runs a trial, its heartbeat, and the attempts that ended early.
  1: `
${rebuildTrials(TRIALS_TABLE_V2, 'id, study_id, number, status, values_json, score, best_epoch, started_at, finished_at, seconds, error')}
${CHECKPOINTS_TABLE}
${ATTEMPTS_TABLE}
`,
  // 3: the data each study ran on. Studies of version 2 get no record: the commands read the
  // space file's data for them, as before.
  2: STUDY_DATA_TABLE,
  // 4: the pruned and waiting statuses.
  3: rebuildTrials(
    TRIALS_TABLE,
    'id, study_id, number, status, values_json, score, best_epoch, started_at, finished_at, seconds, error, schedule_json, attempt, owner, heartbeat_at',
  ),
  // 5: the class metrics (AUC, precision, recall, F1, macro-F1, top-k accuracy), NULL where an epoch has none.
  4: CLASS_METRICS.map((m) => `ALTER TABLE epochs ADD COLUMN ${m} REAL;`).join('\n'),
  // 6: cross-validation's folds and fold scores.
  5: FOLD_TABLES,
};

/** A trials row as SqliteStorage reads it: the SQL columns and who runs it (heartbeat in ms since the epoch). */
export interface TrialRow extends SqlTrialRow {
  owner: string | null;
  heartbeat_at: number | null;
}

export const now = (): string => new Date().toISOString();
