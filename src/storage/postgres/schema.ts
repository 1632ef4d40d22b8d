/*
 * PostgresStorage's tables, as ordered migrations: MIGRATIONS[v] turns schema version v into
 * v + 1 (0: an empty database). The versions are this storage's own; the SQLite schema counts
 * its versions apart, as the two change for different reasons. A migration is only ever
 * appended: a released one stays as it was, so that every database reaches the same tables.
 */

import { sqlList, TRIAL_STATUSES } from '../../domain/trial.js';
import { CLASS_METRICS } from '../../domain/metrics.js';

// Version 1's statuses, as it was released; later ones change the CHECK in a migration of their own.
const STATUSES = `'running', 'complete', 'failed', 'interrupted', 'invalid', 'stopped'`;

export const MIGRATIONS: readonly string[] = [
  // 1: the tables of SQLite's version 3. Identity ids come from sequences, which never hand out
  // an id twice: a `tune show` holding an overwritten study's id finds nothing rather than
  // another study's trials. Times are the database's (timestamptz, set with now()), so that
  // hosts whose clocks disagree still agree on how old a heartbeat is.
  `
CREATE TABLE tune_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE studies (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE, space_json text NOT NULL,
  objective text NOT NULL, direction text NOT NULL CHECK (direction IN ('max', 'min')),
  created_at timestamptz NOT NULL);
CREATE TABLE trials (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  study_id integer NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  number integer NOT NULL, status text NOT NULL CHECK (status IN (${STATUSES})),
  values_json text NOT NULL, score double precision, best_epoch integer, started_at timestamptz NOT NULL,
  finished_at timestamptz, seconds double precision, error text, schedule_json text,
  attempt integer NOT NULL DEFAULT 1, owner text, heartbeat_at timestamptz, UNIQUE (study_id, number));
CREATE INDEX trials_by_status ON trials (study_id, status);
CREATE INDEX trials_running_by_owner ON trials (owner) WHERE status = 'running';
CREATE TABLE epochs (
  trial_id integer NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
  execution integer NOT NULL, epoch integer NOT NULL,
  loss double precision, accuracy double precision, val_loss double precision, val_accuracy double precision,
  PRIMARY KEY (trial_id, execution, epoch));
CREATE TABLE weights (trial_id integer PRIMARY KEY REFERENCES trials (id) ON DELETE CASCADE, data bytea NOT NULL);
CREATE TABLE checkpoints (
  trial_id integer NOT NULL REFERENCES trials (id) ON DELETE CASCADE, execution integer NOT NULL,
  iterations integer NOT NULL, weight_count integer NOT NULL, data bytea NOT NULL,
  PRIMARY KEY (trial_id, execution));
-- float32 values barely compress: out of line without compression saves pglz the attempt.
ALTER TABLE weights ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE checkpoints ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE attempts (
  trial_id integer NOT NULL REFERENCES trials (id) ON DELETE CASCADE, attempt integer NOT NULL,
  outcome text NOT NULL, started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL, owner text, error text,
  PRIMARY KEY (trial_id, attempt));
CREATE TABLE study_data (
  study_id integer NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  split text NOT NULL CHECK (split IN ('train', 'valid', 'test')),
  path text NOT NULL, size bigint NOT NULL, sha256 text NOT NULL,
  PRIMARY KEY (study_id, split));
`,
  // 2: the pruned and waiting statuses. The CHECK of version 1 is the column's first one, which
  // PostgreSQL names trials_status_check.
  `
ALTER TABLE trials DROP CONSTRAINT trials_status_check;
ALTER TABLE trials ADD CONSTRAINT trials_status_check CHECK (status IN (${sqlList(TRIAL_STATUSES)}));
`,
  // 3: the class metrics (AUC, precision, recall, F1, macro-F1, top-k accuracy), NULL where an epoch has none.
  `
ALTER TABLE epochs ${CLASS_METRICS.map((m) => `ADD COLUMN ${m} double precision`).join(', ')};
`,
  // 4: cross-validation's folds (each fold's rows as little-endian int32 bytes) and fold scores.
  `
CREATE TABLE study_folds (
  study_id integer NOT NULL REFERENCES studies (id) ON DELETE CASCADE, fold integer NOT NULL,
  seed bigint NOT NULL, stratified boolean NOT NULL, row_count integer NOT NULL, sha256 text NOT NULL, rows bytea NOT NULL,
  PRIMARY KEY (study_id, fold));
CREATE TABLE fold_scores (
  trial_id integer NOT NULL REFERENCES trials (id) ON DELETE CASCADE, execution integer NOT NULL, fold integer NOT NULL,
  score double precision NOT NULL, best_epoch integer NOT NULL,
  PRIMARY KEY (trial_id, execution, fold));
`,
];

/** The schema this tune writes; a database with a higher version came from a newer tune. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The key of the advisory lock that migrations run under, so that processes starting at once
 * on a new database take turns: the first creates the tables, the others find them. ('tune'
 * in ASCII; advisory locks are per database, so studies in other databases never wait.)
 */
export const MIGRATION_LOCK = 0x74756e65;
