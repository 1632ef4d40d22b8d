/**
 * SqliteStorage's statements, synchronous as better-sqlite3 runs them: one method per Storage
 * method, each its own transaction. SqliteStorage wraps each call in a promise and retries it
 * while another process holds the write lock; nothing here waits. Kept apart so that a
 * transaction may call another method's body (a nested one becomes a savepoint), which the
 * promise-returning methods could not.
 */
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { InputError } from '../errors.js';
import { processAlive } from '../system/process-alive.js';
import type { Values } from '../space/hyperparameter.js';
import { SPLITS, type DataRecord, type StudyRecord } from '../domain/study.js';
import {
  checkTransition,
  COUNTED_STATUSES,
  RESUMABLE_STATUSES,
  sqlList,
  type AttemptRecord,
  type EpochMetrics,
  type Schedule,
  type TrialRecord,
  type Transition,
} from '../domain/trial.js';
import { type TrialRow, now } from './sqlite-schema.js';
import {
  IMPORTED_COLUMNS,
  importedRow,
  toAttempt,
  type AttemptRow,
  type EpochRow,
  EPOCH_METRIC_COLUMNS,
  epochParams,
  type StudyDataRow,
  type StudyRow,
  toDataRecord,
  toEpoch,
  toStudy,
  toTrial,
} from './sql-rows.js';
import { sameSpace, type Checkpoint, type Storage, type StoredWeights, type TrialAppend, type TrialImport } from './storage.js';
import { decodeWeights, encodeWeights } from './weights-codec.js';

/** Storage's methods as they return before the promise: what SqliteStorage wraps. */
export type Synchronous<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never };

export class SqliteTables implements Omit<Synchronous<Storage>, 'close' | 'recordFolds' | 'studyFolds' | 'saveFoldScores' | 'foldScores'> {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    /** The database file, as given to open (InputErrors name it). */
    private readonly path: string,
    private readonly db: Database.Database,
    /** host:pid:tag of the handle; written on the trials it runs. */
    private readonly owner: string,
    /** False for a version-2 file read as it is: it has no study_data table, so no study has a record. */
    private readonly dataRecorded: boolean,
  ) {}

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
        if (sameSpace(old.space, space)) return old;
        if (!overwrite) {
          const count = this.sql(`SELECT COUNT(*) FROM trials WHERE study_id = ?`).pluck().get(old.id) as number;
          throw new InputError(
            this.path,
            `study "${name}"`,
            `exists with a different search space; pass --overwrite to replace it (this deletes its ${count} trials)`,
          );
        }
        this.sql(`DELETE FROM studies WHERE id = ?`).run(old.id);
      }
      const spaceJson = JSON.stringify(space);
      if (spaceJson === undefined) throw new Error(`study "${name}": the space is not JSON`);
      this.sql(`INSERT INTO studies (name, space_json, objective, direction, created_at) VALUES (?, ?, ?, ?, ?)`).run(
        name,
        spaceJson,
        objective,
        direction,
        now(),
      );
      return this.findStudy(name)!;
    });
  }

  /** The study `name`, or undefined. Called by best, list, show. */
  findStudy(name: string): StudyRecord | undefined {
    const row = this.sql(`SELECT * FROM studies WHERE name = ?`).get(name) as StudyRow | undefined;
    return row && toStudy(row);
  }

  /** Replaces the study's stored space (a space that grew); throws Error for a study that does not exist. */
  updateSpace(studyId: number, space: unknown): StudyRecord {
    return this.write(() => {
      const spaceJson = JSON.stringify(space);
      if (spaceJson === undefined) throw new Error(`study ${studyId}: the space is not JSON`);
      if (this.sql(`UPDATE studies SET space_json = ? WHERE id = ?`).run(spaceJson, studyId).changes === 0) throw new Error(`no study with id ${studyId}`);
      return toStudy(this.sql(`SELECT * FROM studies WHERE id = ?`).get(studyId) as StudyRow);
    });
  }

  /** Deletes a study and everything of it; a study already gone is no error. */
  deleteStudy(studyId: number): void {
    this.write(() => this.sql(`DELETE FROM studies WHERE id = ?`).run(studyId));
  }

  /** Records the files the study runs on, keeping an earlier record unless `replace`; returns the record in effect. */
  recordData(studyId: number, data: DataRecord, replace: boolean): DataRecord {
    return this.write(() => {
      if (this.sql(`SELECT 1 FROM studies WHERE id = ?`).get(studyId) === undefined) throw new Error(`no study with id ${studyId}`);
      const kept = this.studyData(studyId);
      if (kept !== undefined && !replace) return kept;
      this.sql(`DELETE FROM study_data WHERE study_id = ?`).run(studyId);
      for (const split of SPLITS) {
        const { path, size, sha256 } = data[split];
        this.sql(`INSERT INTO study_data (study_id, split, path, size, sha256) VALUES (?, ?, ?, ?, ?)`).run(studyId, split, path, size, sha256);
      }
      return this.studyData(studyId)!;
    });
  }

  /** The files the study ran on, or undefined when it has no record. */
  studyData(studyId: number): DataRecord | undefined {
    if (!this.dataRecorded) return undefined;
    return toDataRecord(this.sql(`SELECT split, path, size, sha256 FROM study_data WHERE study_id = ?`).all(studyId) as StudyDataRow[]);
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
        `INSERT INTO trials (study_id, number, status, values_json, schedule_json, started_at, owner, heartbeat_at)
         SELECT ?, COALESCE(MAX(number), 0) + 1, 'running', ?, ?, ?, ?, ? FROM trials WHERE study_id = ?`,
      ).run(studyId, JSON.stringify(values), schedule === undefined ? null : JSON.stringify(schedule), now(), this.owner, Date.now(), studyId);
      return this.trialById(Number(lastInsertRowid));
    });
  }

  /**
   * Like createTrial, but only while fewer than `limit` trials of the study are complete, running
   * or waiting to run again, in every process ('limit'), and only when no other process took the
   * same values (or promoted the same Hyperband parent) first ('taken'). The checks and the
   * insert are one transaction, so processes sharing a study stop at max_trials in total.
   */
  createTrialWithin(studyId: number, values: Values, limit: number, schedule?: Schedule): TrialRecord | 'limit' | 'taken' {
    return this.write(() => {
      const active = this.sql(`SELECT COUNT(*) FROM trials WHERE study_id = ? AND status IN (${sqlList(COUNTED_STATUSES)})`)
        .pluck()
        .get(studyId) as number;
      if (active >= limit) return 'limit';
      const taken =
        schedule?.parent !== undefined
          ? this.sql(`SELECT 1 FROM trials WHERE study_id = ? AND json_extract(schedule_json, '$.parent') = ?`).get(studyId, schedule.parent)
          : this.sql(`SELECT 1 FROM trials WHERE study_id = ? AND values_json = ? AND json_extract(schedule_json, '$.parent') IS NULL`).get(
              studyId,
              JSON.stringify(values),
            );
      return taken !== undefined ? 'taken' : this.createTrial(studyId, values, schedule);
    });
  }

  /** Claims the lowest-numbered interrupted, stopped or waiting trial of the study for this handle. */
  claimInterrupted(studyId: number): TrialRecord | undefined {
    return this.write(() => {
      const claim = `SELECT id FROM trials WHERE study_id = ? AND status IN (${sqlList(RESUMABLE_STATUSES)}) ORDER BY number LIMIT 1`;
      const id = this.sql(claim).pluck().get(studyId) as number | undefined;
      return id === undefined ? undefined : this.restartTrial(id);
    });
  }

  /** Sets an interrupted, stopped or waiting trial running (same number and values); returns it. */
  restartTrial(trialId: number): TrialRecord {
    return this.write(() => {
      const { status } = this.trialById(trialId);
      checkTransition(trialId, status, 'restart');
      this.sql(`DELETE FROM epochs WHERE trial_id = ?`).run(trialId);
      this.sql(`DELETE FROM weights WHERE trial_id = ?`).run(trialId);
      this.sql(`DELETE FROM checkpoints WHERE trial_id = ?`).run(trialId);
      this.sql(`DELETE FROM fold_scores WHERE trial_id = ?`).run(trialId);
      this.sql(
        `UPDATE trials SET status = 'running', started_at = ?, finished_at = NULL, score = NULL, best_epoch = NULL,
         seconds = NULL, error = NULL, attempt = attempt + 1, owner = ?, heartbeat_at = ? WHERE id = ?`,
      ).run(now(), this.owner, Date.now(), trialId);
      return this.trialById(trialId);
    });
  }

  retryTrial(trialId: number, error?: string): TrialRecord {
    return this.write(() => {
      const { status } = this.trialById(trialId);
      checkTransition(trialId, status, 'retry');
      this.endAttempts(`id = ?`, [trialId], 'retried', error ?? null);
      this.sql(`DELETE FROM epochs WHERE trial_id = ?`).run(trialId);
      this.sql(`DELETE FROM weights WHERE trial_id = ?`).run(trialId);
      this.sql(`DELETE FROM checkpoints WHERE trial_id = ?`).run(trialId);
      this.sql(`DELETE FROM fold_scores WHERE trial_id = ?`).run(trialId);
      this.sql(`UPDATE trials SET started_at = ?, attempt = attempt + 1, owner = ?, heartbeat_at = ? WHERE id = ?`).run(now(), this.owner, Date.now(), trialId);
      return this.trialById(trialId);
    });
  }

  /** Keeps the history of the running trials that `where` picks: one attempts row each. */
  private endAttempts(where: string, params: unknown[], outcome: AttemptRecord['outcome'], error: string | null): void {
    this.sql(
      `INSERT INTO attempts (trial_id, attempt, outcome, started_at, ended_at, owner, error)
       SELECT id, attempt, ?, started_at, ?, owner, ? FROM trials WHERE status = 'running' AND ${where}`,
    ).run(outcome, now(), error, ...params);
  }

  /** The attempts of a trial that ended without finishing it, oldest first. */
  attempts(trialId: number): AttemptRecord[] {
    const rows = this.sql(`SELECT attempt, outcome, started_at, ended_at, owner, error FROM attempts WHERE trial_id = ? ORDER BY attempt`).all(trialId);
    return (rows as AttemptRow[]).map(toAttempt);
  }

  /** Tells the other processes that this handle's running trials are alive. */
  heartbeat(): void {
    this.write(() => this.sql(`UPDATE trials SET heartbeat_at = ? WHERE owner = ? AND status = 'running'`).run(Date.now(), this.owner));
  }

  /**
   * Marks interrupted the running trials of the study whose process is gone: another handle's
   * trials whose heartbeat is older than `staleMs`, or whose process on this host has died
   * (kill -9 leaves no other trace). Their epochs are dropped; the attempt stays as history.
   */
  recoverStale(studyId: number, staleMs: number): number {
    return this.write(() => {
      const rows = this.sql(`SELECT id, owner, heartbeat_at FROM trials WHERE study_id = ? AND status = 'running' AND (owner IS NULL OR owner != ?)`).all(
        studyId,
        this.owner,
      ) as {
        id: number;
        owner: string | null;
        heartbeat_at: number | null;
      }[];
      const stale = rows.filter((r) => r.owner === null || r.heartbeat_at === null || Date.now() - r.heartbeat_at > staleMs || !ownerAlive(r.owner));
      for (const { id } of stale) this.interruptWhere(`id = ?`, [id], 'crashed', 'its process stopped answering');
      return stale.length;
    });
  }

  /** Marks the running trials `where` picks interrupted, keeping their attempt as history. */
  private interruptWhere(where: string, params: unknown[], outcome: AttemptRecord['outcome'], error: string | null): number {
    this.endAttempts(where, params, outcome, error);
    const running = `SELECT id FROM trials WHERE status = 'running' AND ${where}`;
    this.sql(`DELETE FROM epochs WHERE trial_id IN (${running})`).run(...params);
    // Weights of a run cut short are not a result; restart trains the trial from scratch.
    this.sql(`DELETE FROM weights WHERE trial_id IN (${running})`).run(...params);
    this.sql(`DELETE FROM checkpoints WHERE trial_id IN (${running})`).run(...params);
    this.sql(`DELETE FROM fold_scores WHERE trial_id IN (${running})`).run(...params);
    return this.sql(`UPDATE trials SET status = 'interrupted', finished_at = ? WHERE status = 'running' AND ${where}`).run(now(), ...params).changes;
  }

  /** Appends one epoch's metrics of one execution (1-based execution and epoch). */
  recordEpoch(trialId: number, execution: number, epoch: number, metrics: EpochMetrics): void {
    const values = epochParams(metrics);
    this.sql(`INSERT INTO epochs (trial_id, execution, epoch, ${EPOCH_METRIC_COLUMNS}) VALUES (?, ?, ?${', ?'.repeat(values.length)})`).run(
      trialId,
      execution,
      epoch,
      ...values,
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
    return this.finish(trialId, 'complete', `status = 'complete', score = ?, best_epoch = ?, seconds = ?`, [score, bestEpoch, seconds]);
  }

  /** Marks a running trial failed with its error message. */
  failTrial(trialId: number, error: string, seconds: number): TrialRecord {
    return this.finish(trialId, 'fail', `status = 'failed', error = ?, seconds = ?`, [error, seconds]);
  }

  /** Marks a running trial invalid: its values build no model, `error` says why. */
  invalidTrial(trialId: number, error: string): TrialRecord {
    return this.finish(trialId, 'invalid', `status = 'invalid', error = ?, seconds = 0`, [error]);
  }

  /** Marks a running trial pruned with its score so far; its epochs stay. */
  pruneTrial(trialId: number, score: number, bestEpoch: number, seconds: number): TrialRecord {
    if (Number.isNaN(score)) throw new Error(`trial ${trialId}: a pruned trial needs a score, got NaN`);
    return this.finish(trialId, 'prune', `status = 'pruned', score = ?, best_epoch = ?, seconds = ?`, [score, bestEpoch, seconds]);
  }

  /** Marks a running trial stopped by the study (its epochs are kept until it restarts). */
  stopTrial(trialId: number, why: string, seconds: number): TrialRecord {
    return this.write(() => {
      this.endAttempts(`id = ?`, [trialId], 'stopped', why);
      return this.finish(trialId, 'stop', `status = 'stopped', error = ?, seconds = ?`, [why, seconds]);
    });
  }

  private finish(trialId: number, transition: Transition, set: string, params: unknown[]): TrialRecord {
    return this.write(() => {
      const { status } = this.trialById(trialId);
      checkTransition(trialId, status, transition);
      this.sql(`UPDATE trials SET ${set}, finished_at = ? WHERE id = ?`).run(...params, now(), trialId);
      return this.trialById(trialId);
    });
  }

  /** Marks this handle's running trials of the study interrupted (epochs dropped); returns how many. */
  interruptRunning(studyId: number): number {
    return this.write(() => this.interruptWhere(`study_id = ? AND owner = ?`, [studyId, this.owner], 'interrupted', null));
  }

  /** Stores a trial's weights, replacing earlier ones. */
  saveWeights(trialId: number, weights: StoredWeights): void {
    const blob = encodeWeights(weights);
    this.sql(`INSERT INTO weights (trial_id, data) VALUES (?, ?) ON CONFLICT (trial_id) DO UPDATE SET data = excluded.data`).run(trialId, blob);
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
        `DELETE FROM weights WHERE trial_id IN (SELECT id FROM trials WHERE study_id = ? AND status <> 'running') AND trial_id NOT IN (
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
      { iterations: number; weight_count: number; data: Buffer } | undefined;
    if (row === undefined) return undefined;
    const { tensors } = decodeWeights(row.data);
    return { weights: { tensors: tensors.slice(0, row.weight_count) }, iterations: row.iterations, slots: { tensors: tensors.slice(row.weight_count) } };
  }

  /** Drops every checkpoint of the study except those of the trials numbered in `keep`. */
  keepCheckpoints(studyId: number, keep: readonly number[]): void {
    this.sql(
      `DELETE FROM checkpoints WHERE trial_id IN (
         SELECT id FROM trials WHERE study_id = ? AND status <> 'running' AND number NOT IN (SELECT value FROM json_each(?)))`,
    ).run(studyId, JSON.stringify(keep));
  }

  /** The executions (ascending) of a trial that have a checkpoint kept. */
  checkpointExecutions(trialId: number): number[] {
    return this.sql(`SELECT execution FROM checkpoints WHERE trial_id = ? ORDER BY execution`).pluck().all(trialId) as number[];
  }

  /** Creates a study as given, with its data record; throws InputError when the name is taken. */
  importStudy(study: Omit<StudyRecord, 'id'>, data: DataRecord | undefined): StudyRecord {
    return this.write(() => {
      if (this.findStudy(study.name) !== undefined) throw new InputError(this.path, `study "${study.name}"`, 'already exists');
      const spaceJson = JSON.stringify(study.space);
      if (spaceJson === undefined) throw new Error(`study "${study.name}": the space is not JSON`);
      const { lastInsertRowid } = this.sql(`INSERT INTO studies (name, space_json, objective, direction, created_at) VALUES (?, ?, ?, ?, ?)`).run(
        study.name,
        spaceJson,
        study.objective,
        study.direction,
        study.createdAt,
      );
      if (data !== undefined) this.recordData(Number(lastInsertRowid), data, true);
      return this.findStudy(study.name)!;
    });
  }

  /** Writes one trial as importTrial does, with the study's next free number, in one transaction. */
  appendTrial(studyId: number, item: TrialAppend): TrialRecord {
    return this.write(() => {
      const number = this.sql(`SELECT COALESCE(MAX(number), 0) + 1 FROM trials WHERE study_id = ?`).pluck().get(studyId) as number;
      return this.importTrial(studyId, { ...item, trial: { ...item.trial, number } });
    });
  }

  /** Writes one trial as given, with its epochs, attempts, weights and checkpoints, in one transaction. */
  importTrial(studyId: number, item: TrialImport): TrialRecord {
    const t = item.trial;
    if (t.status === 'running') throw new Error(`trial ${t.number}: a running trial cannot be imported`);
    return this.write(() => {
      if (this.sql(`SELECT 1 FROM studies WHERE id = ?`).get(studyId) === undefined) throw new Error(`no study with id ${studyId}`);
      if (this.trial(studyId, t.number) !== undefined) throw new Error(`trial ${t.number}: the study has that number already`);
      const { lastInsertRowid } = this.sql(`INSERT INTO trials (${IMPORTED_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        ...importedRow(studyId, t),
      );
      const id = Number(lastInsertRowid);
      for (const { execution, epoch, metrics } of item.epochs) this.recordEpoch(id, execution, epoch, metrics);
      for (const a of item.attempts) {
        this.sql(`INSERT INTO attempts (trial_id, attempt, outcome, started_at, ended_at, owner, error) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
          id,
          a.attempt,
          a.outcome,
          a.startedAt,
          a.endedAt,
          a.owner,
          a.error,
        );
      }
      if (item.weights !== undefined) this.saveWeights(id, item.weights);
      for (const { execution, checkpoint } of item.checkpoints) this.saveCheckpoint(id, execution, checkpoint);
      return this.trialById(id);
    });
  }
}

/** False when `owner` names a process of this host that no longer exists. */
function ownerAlive(owner: string): boolean {
  const [host, pid] = owner.split(':');
  return host !== hostname() || !pid || processAlive(Number(pid));
}
