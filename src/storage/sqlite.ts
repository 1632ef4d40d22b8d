import Database from 'better-sqlite3';
import { InputError, reason } from '../errors.js';
import type { Values } from '../space/hyperparameter.js';
import type { EpochMetrics, Schedule, StudyRecord, TrialRecord } from '../study/trial.js';
import { MIGRATIONS, SCHEMA, type EpochRow, type StudyRow, type TrialRow, canonical, now, toEpoch, toStudy, toTrial } from './sqlite-schema.js';
import type { Checkpoint, Storage, StoredWeights } from './storage.js';
import { decodeWeights, encodeWeights } from './weights-codec.js';

/** The schema this tune writes; a database with a higher version came from a newer tune. */
export const SCHEMA_VERSION = 2;

/** Storage in one SQLite file, in WAL mode so that `tune show` can read while `tune run` writes. */
export class SqliteStorage implements Storage {
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    /** The database file, as given to open (InputErrors name it). */
    readonly path: string,
    private readonly db: Database.Database,
  ) {}

  /**
   * Opens the database at `path`, creating it and its schema when missing. Throws InputError
   * for a file that is not SQLite, an SQLite file that is not tune's, or a newer schema.
   */
  static open(path: string): SqliteStorage {
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // better-sqlite3 turns foreign keys on; they stay off until a migration has run (below).
      db.pragma('foreign_keys = OFF');
    } catch (err) {
      db?.close();
      const notADb = (err as { code?: unknown }).code === 'SQLITE_NOTADB';
      throw new InputError(path, 'file', `${notADb ? 'is not an SQLite database' : 'cannot be opened'} (${reason(err)})`);
    }
    try {
      // Immediate, so that two tunes opening a new file at once cannot both create the schema.
      // Foreign keys go on only after a migration, whose table rebuilds must not cascade.
      db.transaction(() => SqliteStorage.checkSchema(path, db!)).immediate();
      db.pragma('foreign_keys = ON');
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteStorage(path, db);
  }

  private static checkSchema(path: string, db: Database.Database): void {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`).pluck().all() as string[];
    if (!tables.includes('tune_meta')) {
      if (tables.length > 0) throw new InputError(path, 'file', "is an SQLite database but not one of tune's");
      db.exec(SCHEMA);
      db.prepare(`INSERT INTO tune_meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
      return;
    }
    const stored = db.prepare(`SELECT value FROM tune_meta WHERE key = 'schema_version'`).pluck().get() as string | undefined;
    const version = Number(stored);
    if (stored === undefined || !Number.isInteger(version) || version < 1) {
      throw new InputError(path, 'schema', `has no valid schema version (got ${JSON.stringify(stored ?? null)})`);
    }
    if (version > SCHEMA_VERSION) {
      throw new InputError(path, 'schema', `was written by a newer tune (schema version ${version}, this one reads up to ${SCHEMA_VERSION})`);
    }
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    if (version < SCHEMA_VERSION) {
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new InputError(path, 'schema', `cannot be migrated from version ${version}: ${broken.length} rows point at missing rows`);
      db.prepare(`UPDATE tune_meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION));
    }
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  // Immediate, so that a read-then-write never fails to upgrade its lock against another writer.
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private trialById(trialId: number): TrialRecord {
    const row = this.sql(`SELECT * FROM trials WHERE id = ?`).get(trialId) as TrialRow | undefined;
    if (row === undefined) throw new Error(`no trial with id ${trialId}`);
    return toTrial(row);
  }

  /**
   * Creates the study `name`, or returns it when it exists with an equal space (deep-equal
   * JSON). With a different space it throws InputError, unless `overwrite`, which deletes the
   * old study and everything of it first. Called by `tune run` at start.
   */
  openStudy(name: string, space: unknown, objective: string, direction: 'max' | 'min', overwrite: boolean): StudyRecord {
    return this.write(() => {
      const old = this.findStudy(name);
      if (old !== undefined) {
        if (canonical(old.space) === canonical(space)) return old;
        if (!overwrite) {
          const count = this.sql(`SELECT COUNT(*) FROM trials WHERE study_id = ?`).pluck().get(old.id) as number;
          throw new InputError(this.path, `study "${name}"`, `exists with a different search space; pass --overwrite to replace it (this deletes its ${count} trials)`);
        }
        this.sql(`DELETE FROM studies WHERE id = ?`).run(old.id);
      }
      const spaceJson = JSON.stringify(space);
      if (spaceJson === undefined) throw new Error(`study "${name}": the space is not JSON`);
      this.sql(`INSERT INTO studies (name, space_json, objective, direction, created_at) VALUES (?, ?, ?, ?, ?)`).run(name, spaceJson, objective, direction, now());
      return this.findStudy(name)!;
    });
  }

  /** The study `name`, or undefined. Called by best, list, show. */
  findStudy(name: string): StudyRecord | undefined {
    const row = this.sql(`SELECT * FROM studies WHERE name = ?`).get(name) as StudyRow | undefined;
    return row && toStudy(row);
  }

  /** All studies, oldest first. */
  listStudies(): StudyRecord[] {
    return (this.sql(`SELECT * FROM studies ORDER BY id`).all() as StudyRow[]).map(toStudy);
  }

  /** Every trial of a study, by number. */
  trials(studyId: number): TrialRecord[] {
    return (this.sql(`SELECT * FROM trials WHERE study_id = ? ORDER BY number`).all(studyId) as TrialRow[]).map(toTrial);
  }

  /** One trial by number, or undefined. */
  trial(studyId: number, number: number): TrialRecord | undefined {
    const row = this.sql(`SELECT * FROM trials WHERE study_id = ? AND number = ?`).get(studyId, number) as TrialRow | undefined;
    return row && toTrial(row);
  }

  /** A new running trial with the next free number (and its Hyperband schedule, if any). */
  createTrial(studyId: number, values: Values, schedule?: Schedule): TrialRecord {
    return this.write(() => {
      const { lastInsertRowid } = this.sql(
        `INSERT INTO trials (study_id, number, status, values_json, schedule_json, started_at)
         SELECT ?, COALESCE(MAX(number), 0) + 1, 'running', ?, ?, ? FROM trials WHERE study_id = ?`,
      ).run(studyId, JSON.stringify(values), schedule === undefined ? null : JSON.stringify(schedule), now(), studyId);
      return this.trialById(Number(lastInsertRowid));
    });
  }

  /** Sets an interrupted or stopped trial running again (same number and values); returns it. */
  restartTrial(trialId: number): TrialRecord {
    return this.write(() => {
      const { status } = this.trialById(trialId);
      if (status !== 'interrupted' && status !== 'stopped') throw new Error(`trial ${trialId} is ${status}; only an interrupted or stopped trial restarts`);
      this.sql(`DELETE FROM epochs WHERE trial_id = ?`).run(trialId);
      this.sql(`DELETE FROM weights WHERE trial_id = ?`).run(trialId);
      this.sql(`DELETE FROM checkpoints WHERE trial_id = ?`).run(trialId);
      this.sql(
        `UPDATE trials SET status = 'running', started_at = ?, finished_at = NULL, score = NULL,
         best_epoch = NULL, seconds = NULL, error = NULL WHERE id = ?`,
      ).run(now(), trialId);
      return this.trialById(trialId);
    });
  }

  retryTrial(trialId: number): TrialRecord {
    return this.write(() => {
      const { status } = this.trialById(trialId);
      if (status !== 'running') throw new Error(`trial ${trialId} is ${status}; only a running trial is retried`);
      this.sql(`DELETE FROM epochs WHERE trial_id = ?`).run(trialId);
      this.sql(`DELETE FROM weights WHERE trial_id = ?`).run(trialId);
      this.sql(`DELETE FROM checkpoints WHERE trial_id = ?`).run(trialId);
      this.sql(`UPDATE trials SET started_at = ? WHERE id = ?`).run(now(), trialId);
      return this.trialById(trialId);
    });
  }

  /** Appends one epoch's metrics of one execution (1-based execution and epoch). */
  recordEpoch(trialId: number, execution: number, epoch: number, metrics: EpochMetrics): void {
    this.sql(`INSERT INTO epochs (trial_id, execution, epoch, loss, accuracy, val_loss, val_accuracy) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
      trialId, execution, epoch, metrics.loss, metrics.accuracy, metrics.val_loss, metrics.val_accuracy,
    );
  }

  /** The epochs of a trial, ordered by execution then epoch. */
  epochs(trialId: number): { execution: number; epoch: number; metrics: EpochMetrics }[] {
    return (this.sql(`SELECT * FROM epochs WHERE trial_id = ? ORDER BY execution, epoch`).all(trialId) as EpochRow[]).map(toEpoch);
  }

  /** Marks a running trial complete with its score. */
  completeTrial(trialId: number, score: number, bestEpoch: number, seconds: number): TrialRecord {
    // NaN would be stored as NULL and read back as "no score": the caller should fail the trial.
    if (Number.isNaN(score)) throw new Error(`trial ${trialId}: a complete trial needs a score, got NaN`);
    return this.finish(trialId, `status = 'complete', score = ?, best_epoch = ?, seconds = ?`, [score, bestEpoch, seconds]);
  }

  /** Marks a running trial failed with its error message. */
  failTrial(trialId: number, error: string, seconds: number): TrialRecord {
    return this.finish(trialId, `status = 'failed', error = ?, seconds = ?`, [error, seconds]);
  }

  /** Marks a running trial invalid: its values build no model, `error` says why. */
  invalidTrial(trialId: number, error: string): TrialRecord {
    return this.finish(trialId, `status = 'invalid', error = ?, seconds = 0`, [error]);
  }

  /** Marks a running trial stopped by the study (its epochs are kept until it restarts). */
  stopTrial(trialId: number, why: string, seconds: number): TrialRecord {
    return this.finish(trialId, `status = 'stopped', error = ?, seconds = ?`, [why, seconds]);
  }

  private finish(trialId: number, set: string, params: unknown[]): TrialRecord {
    return this.write(() => {
      const { status } = this.trialById(trialId);
      if (status !== 'running') throw new Error(`trial ${trialId} is ${status}; only a running trial finishes`);
      this.sql(`UPDATE trials SET ${set}, finished_at = ? WHERE id = ?`).run(...params, now(), trialId);
      return this.trialById(trialId);
    });
  }

  /** Marks every running trial of the study interrupted (its epochs are dropped); returns how many. */
  interruptRunning(studyId: number): number {
    return this.write(() => {
      const running = `SELECT id FROM trials WHERE study_id = ? AND status = 'running'`;
      this.sql(`DELETE FROM epochs WHERE trial_id IN (${running})`).run(studyId);
      // Weights of a run cut short are not a result; restart trains the trial from scratch.
      this.sql(`DELETE FROM weights WHERE trial_id IN (${running})`).run(studyId);
      this.sql(`DELETE FROM checkpoints WHERE trial_id IN (${running})`).run(studyId);
      return this.sql(`UPDATE trials SET status = 'interrupted', finished_at = ? WHERE study_id = ? AND status = 'running'`).run(now(), studyId).changes;
    });
  }

  /** Stores a trial's weights, replacing earlier ones. */
  saveWeights(trialId: number, weights: StoredWeights): void {
    this.sql(`INSERT INTO weights (trial_id, data) VALUES (?, ?) ON CONFLICT (trial_id) DO UPDATE SET data = excluded.data`).run(trialId, encodeWeights(weights));
  }

  /** A trial's weights, or undefined when none are kept. */
  loadWeights(trialId: number): StoredWeights | undefined {
    const data = this.sql(`SELECT data FROM weights WHERE trial_id = ?`).pluck().get(trialId) as Buffer | undefined;
    return data && decodeWeights(data);
  }

  /** Keeps weights only for the `keep` best complete trials of the study (by its direction). */
  pruneWeights(studyId: number, keep: number): void {
    this.write(() => {
      const direction = this.sql(`SELECT direction FROM studies WHERE id = ?`).pluck().get(studyId) as 'max' | 'min' | undefined;
      if (direction === undefined) throw new Error(`no study with id ${studyId}`);
      // Ties go to the earlier trial, so that which weights survive never depends on row order.
      const order = direction === 'max' ? 'DESC' : 'ASC';
      this.sql(
        `DELETE FROM weights WHERE trial_id IN (SELECT id FROM trials WHERE study_id = ?) AND trial_id NOT IN (
           SELECT id FROM trials WHERE study_id = ? AND status = 'complete' ORDER BY score ${order}, number LIMIT ?)`,
      ).run(studyId, studyId, Math.max(0, keep));
    });
  }

  /** Stores the checkpoint of one execution (1-based) of a trial, replacing an earlier one. */
  saveCheckpoint(trialId: number, execution: number, checkpoint: Checkpoint): void {
    const data = encodeWeights({ tensors: [...checkpoint.weights.tensors, ...checkpoint.slots.tensors] });
    this.sql(
      `INSERT INTO checkpoints (trial_id, execution, iterations, weight_count, data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (trial_id, execution) DO UPDATE SET iterations = excluded.iterations, weight_count = excluded.weight_count, data = excluded.data`,
    ).run(trialId, execution, checkpoint.iterations, checkpoint.weights.tensors.length, data);
  }

  /** One execution's checkpoint, or undefined when none is kept. */
  loadCheckpoint(trialId: number, execution: number): Checkpoint | undefined {
    const row = this.sql(`SELECT iterations, weight_count, data FROM checkpoints WHERE trial_id = ? AND execution = ?`).get(trialId, execution) as
      | { iterations: number; weight_count: number; data: Buffer }
      | undefined;
    if (row === undefined) return undefined;
    const { tensors } = decodeWeights(row.data);
    return { weights: { tensors: tensors.slice(0, row.weight_count) }, iterations: row.iterations, slots: { tensors: tensors.slice(row.weight_count) } };
  }

  /** Drops every checkpoint of the study except those of the trials numbered in `keep`. */
  keepCheckpoints(studyId: number, keep: readonly number[]): void {
    this.sql(
      `DELETE FROM checkpoints WHERE trial_id IN (
         SELECT id FROM trials WHERE study_id = ? AND number NOT IN (SELECT value FROM json_each(?)))`,
    ).run(studyId, JSON.stringify(keep));
  }

  close(): void {
    this.db.close();
  }
}
