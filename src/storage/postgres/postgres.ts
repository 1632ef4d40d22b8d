import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { InputError } from '../../errors.js';
import { processAlive } from '../../system/process-alive.js';
import type { Values } from '../../space/hyperparameter.js';
import { SPLITS, type DataRecord, type StudyRecord } from '../../domain/study.js';
import {
  COUNTED_STATUSES,
  RESUMABLE_STATUSES,
  sqlList,
  type AttemptRecord,
  type EpochMetrics,
  type Schedule,
  type TrialRecord,
  type TrialStatus,
} from '../../domain/trial.js';
import { sameSpace, type Checkpoint, type Storage, type StoredWeights, type TrialAppend, type TrialImport } from '../storage.js';
import { decodeWeights, encodeWeights } from '../weights-codec.js';
import { Database, POOL_SIZE, type Queries } from './database.js';
import { importTrialRows } from './import.js';
import { checkReadable, migrate, shownUrl } from './open.js';
import {
  toAttempt,
  toDataRecord,
  toEpoch,
  toStudy,
  toTrial,
  type AttemptRow,
  type EpochRow,
  type StudyDataRow,
  type StudyRow,
  type TrialRow,
  EPOCH_METRIC_COLUMNS,
  epochParams,
} from '../sql-rows.js';
import { STUDY_COLUMNS, TRIAL_COLUMNS } from './rows.js';
import { endAttempts, insertTrial, interrupt, lockStudy, lockTrial, restart, trialById } from './steps.js';
import type { FoldScore, StudyFolds } from '../../domain/folds.js';
import { foldScoresOf, foldsOf, insertFolds, replaceFoldScores } from './folds.js';

/** How often openStudy looks again for a study that another process created while it looked. */
const OPEN_STUDY_TRIES = 5;

export interface PostgresOptions {
  /** Connections this handle keeps at most. */
  poolSize?: number;
}

/**
 * Storage in a PostgreSQL database that many hosts share: each handle has an owner name
 * (host:pid:tag), written on the trials it runs, and a heartbeat on them by the database's
 * clock, which tells a live run from a dead one whatever the hosts' clocks say. Claims are row
 * locks (see steps.ts for the order that keeps them free of deadlocks).
 */
export class PostgresStorage implements Storage {
  /** host:pid:tag of this handle; the tag tells apart two handles of one process. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  private constructor(
    /** The URL, its password replaced by *** (InputErrors name it). */
    readonly url: string,
    private readonly db: Database,
  ) {}

  /**
   * Opens the database at `url` (postgresql://USER[:PASSWORD]@HOST:PORT/DATABASE), creating
   * its tables when it has none and migrating an older schema. Throws InputError for a URL that
   * is not PostgreSQL's, a server that cannot be reached or refuses the login, a database that
   * does not exist, is not tune's, or has a newer schema.
   */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresStorage> {
    return PostgresStorage.connect(url, options.poolSize ?? POOL_SIZE, false, migrate);
  }

  /**
   * Opens the database at `url` for reading only (tune dashboard): each connection is a
   * read-only session, so any write is refused by the server (SQLSTATE 25006). Throws InputError
   * as open does, and for a database without tune's current schema, which it cannot create.
   */
  static async openReadOnly(url: string): Promise<PostgresStorage> {
    return PostgresStorage.connect(url, POOL_SIZE, true, checkReadable);
  }

  /** A handle on `url` once `ready` has passed on its connections; they are closed when it throws. */
  private static async connect(
    url: string,
    poolSize: number,
    readOnly: boolean,
    ready: (shown: string, db: Database) => Promise<void>,
  ): Promise<PostgresStorage> {
    const shown = shownUrl(url);
    const db = new Database(url, shown, poolSize, readOnly);
    try {
      await ready(shown, db);
    } catch (err) {
      await db.end();
      throw err;
    }
    return new PostgresStorage(shown, db);
  }

  private get q(): Queries {
    return this.db.single;
  }

  private write<T>(body: (q: Queries) => Promise<T>): Promise<T> {
    return this.db.transaction(body);
  }

  async openStudy(name: string, space: unknown, objective: string, direction: 'max' | 'min', overwrite: boolean): Promise<StudyRecord> {
    const spaceJson = JSON.stringify(space);
    if (spaceJson === undefined) throw new Error(`study "${name}": the space is not JSON`);
    return this.write(async (q) => {
      for (let tries = 0; tries < OPEN_STUDY_TRIES; tries++) {
        const old = await q.row<StudyRow>(`SELECT ${STUDY_COLUMNS} FROM studies WHERE name = $1 FOR UPDATE`, [name]);
        if (old !== undefined) {
          const study = toStudy(old);
          if (sameSpace(study.space, space)) return study;
          if (!overwrite) {
            const count = (await q.row<{ n: number }>(`SELECT COUNT(*) AS n FROM trials WHERE study_id = $1`, [old.id]))!.n;
            throw new InputError(
              this.url,
              `study "${name}"`,
              `exists with a different search space; pass --overwrite to replace it (this deletes its ${count} trials)`,
            );
          }
          await q.run(`DELETE FROM studies WHERE id = $1`, [old.id]);
        }
        // Another process may create the study between the look and this insert: then nothing
        // is inserted, and the next look (a new snapshot, after its commit) finds that study.
        const made = await q.row<StudyRow>(
          `INSERT INTO studies (name, space_json, objective, direction, created_at) VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (name) DO NOTHING RETURNING ${STUDY_COLUMNS}`,
          [name, spaceJson, objective, direction],
        );
        if (made !== undefined) return toStudy(made);
      }
      throw new Error(`study "${name}": created and deleted by other processes ${OPEN_STUDY_TRIES} times while this one opened it`);
    });
  }

  async findStudy(name: string): Promise<StudyRecord | undefined> {
    const row = await this.q.row<StudyRow>(`SELECT ${STUDY_COLUMNS} FROM studies WHERE name = $1`, [name]);
    return row && toStudy(row);
  }

  async deleteStudy(studyId: number): Promise<void> {
    await this.write((q) => q.run(`DELETE FROM studies WHERE id = $1`, [studyId]));
  }

  async recordData(studyId: number, data: DataRecord, replace: boolean): Promise<DataRecord> {
    return this.write(async (q) => {
      await lockStudy(q, studyId);
      const kept = await this.dataOf(q, studyId);
      if (kept !== undefined && !replace) return kept;
      await q.run(`DELETE FROM study_data WHERE study_id = $1`, [studyId]);
      for (const split of SPLITS) {
        const { path, size, sha256 } = data[split];
        await q.run(`INSERT INTO study_data (study_id, split, path, size, sha256) VALUES ($1, $2, $3, $4, $5)`, [studyId, split, path, size, sha256]);
      }
      return (await this.dataOf(q, studyId))!;
    });
  }

  private async dataOf(q: Queries, studyId: number): Promise<DataRecord | undefined> {
    return toDataRecord(await q.rows<StudyDataRow>(`SELECT split, path, size, sha256 FROM study_data WHERE study_id = $1`, [studyId]));
  }

  studyData(studyId: number): Promise<DataRecord | undefined> {
    return this.dataOf(this.q, studyId);
  }

  recordFolds(studyId: number, folds: StudyFolds): Promise<StudyFolds> {
    return this.write(async (q) => {
      await lockStudy(q, studyId);
      const kept = await foldsOf(q, studyId);
      if (kept !== undefined) return kept;
      await insertFolds(q, studyId, folds);
      return (await foldsOf(q, studyId))!;
    });
  }

  studyFolds(studyId: number): Promise<StudyFolds | undefined> {
    return foldsOf(this.q, studyId);
  }

  saveFoldScores(trialId: number, scores: readonly FoldScore[]): Promise<void> {
    return this.write((q) => replaceFoldScores(q, trialId, scores));
  }

  foldScores(trialId: number): Promise<FoldScore[]> {
    return foldScoresOf(this.q, trialId);
  }

  async listStudies(): Promise<StudyRecord[]> {
    return (await this.q.rows<StudyRow>(`SELECT ${STUDY_COLUMNS} FROM studies ORDER BY id`)).map(toStudy);
  }

  async trials(studyId: number): Promise<TrialRecord[]> {
    return (await this.q.rows<TrialRow>(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = $1 ORDER BY number`, [studyId])).map(toTrial);
  }

  async trial(studyId: number, number: number): Promise<TrialRecord | undefined> {
    const row = await this.q.row<TrialRow>(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE study_id = $1 AND number = $2`, [studyId, number]);
    return row && toTrial(row);
  }

  createTrial(studyId: number, values: Values, schedule?: Schedule): Promise<TrialRecord> {
    return this.write(async (q) => {
      await lockStudy(q, studyId);
      return insertTrial(q, this.owner, studyId, values, schedule);
    });
  }

  /**
   * Like createTrial, but only while fewer than `limit` trials of the study are complete,
   * running, interrupted or stopped, on every host ('limit'), and only when no trial has these
   * values yet (or has promoted this Hyperband parent: 'taken'). The count, the check and the
   * insert happen under the study's row lock, so hosts sharing a study stop at `limit` in total.
   */
  createTrialWithin(studyId: number, values: Values, limit: number, schedule?: Schedule): Promise<TrialRecord | 'limit' | 'taken'> {
    return this.write(async (q) => {
      await lockStudy(q, studyId);
      const { n } = (await q.row<{ n: number }>(`SELECT COUNT(*) AS n FROM trials WHERE study_id = $1 AND status IN (${sqlList(COUNTED_STATUSES)})`, [
        studyId,
      ]))!;
      if (n >= limit) return 'limit';
      const taken =
        schedule?.parent !== undefined
          ? await q.row(`SELECT 1 FROM trials WHERE study_id = $1 AND (schedule_json::jsonb ->> 'parent') = $2`, [studyId, String(schedule.parent)])
          : await q.row(
              `SELECT 1 FROM trials WHERE study_id = $1 AND values_json = $2 AND (schedule_json IS NULL OR (schedule_json::jsonb ->> 'parent') IS NULL)`,
              [studyId, JSON.stringify(values)],
            );
      return taken !== undefined ? 'taken' : insertTrial(q, this.owner, studyId, values, schedule);
    });
  }

  /**
   * Claims the lowest-numbered interrupted, stopped or waiting trial that no other process is claiming:
   * SKIP LOCKED lets hosts claiming at once take different trials instead of queueing.
   */
  claimInterrupted(studyId: number): Promise<TrialRecord | undefined> {
    return this.write(async (q) => {
      const row = await q.row<{ id: number; status: TrialStatus }>(
        `SELECT id, status FROM trials WHERE study_id = $1 AND status IN (${sqlList(RESUMABLE_STATUSES)}) ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [studyId],
      );
      return row === undefined ? undefined : restart(q, this.owner, row.id, row.status);
    });
  }

  restartTrial(trialId: number): Promise<TrialRecord> {
    return this.write(async (q) => restart(q, this.owner, trialId, await lockTrial(q, trialId)));
  }

  retryTrial(trialId: number, error?: string): Promise<TrialRecord> {
    return this.write(async (q) => {
      const status = await lockTrial(q, trialId);
      if (status !== 'running') throw new Error(`trial ${trialId} is ${status}; only a running trial is retried`);
      await endAttempts(q, [trialId], 'retried', error ?? null);
      for (const table of ['epochs', 'weights', 'checkpoints', 'fold_scores']) await q.run(`DELETE FROM ${table} WHERE trial_id = $1`, [trialId]);
      await q.run(`UPDATE trials SET started_at = now(), attempt = attempt + 1, owner = $2, heartbeat_at = now() WHERE id = $1`, [trialId, this.owner]);
      return trialById(q, trialId);
    });
  }

  async attempts(trialId: number): Promise<AttemptRecord[]> {
    const rows = await this.q.rows<AttemptRow>(
      `SELECT attempt, outcome, started_at, ended_at, owner, error FROM attempts WHERE trial_id = $1 ORDER BY attempt`,
      [trialId],
    );
    return rows.map(toAttempt);
  }

  /** Marks this handle's running trials alive, at the database's time. */
  async heartbeat(): Promise<void> {
    await this.write(async (q) => {
      // The studies' rows first, in id order, as every writer locks them.
      await q.run(`SELECT id FROM studies WHERE id IN (SELECT study_id FROM trials WHERE owner = $1 AND status = 'running') ORDER BY id FOR UPDATE`, [
        this.owner,
      ]);
      await q.run(`UPDATE trials SET heartbeat_at = now() WHERE owner = $1 AND status = 'running'`, [this.owner]);
    });
  }

  /**
   * Interrupts the study's running trials of other handles whose heartbeat is older than
   * `staleMs` by the database's clock, on any host, or whose process on this host has died
   * (kill -9 leaves no other trace); their epochs are dropped and the attempt kept as history.
   */
  recoverStale(studyId: number, staleMs: number): Promise<number> {
    return this.write(async (q) => {
      await lockStudy(q, studyId);
      const rows = await q.rows<{ id: number; owner: string | null; stale: boolean }>(
        `SELECT id, owner, (heartbeat_at IS NULL OR heartbeat_at < now() - $3::double precision * interval '1 millisecond') AS stale
         FROM trials WHERE study_id = $1 AND status = 'running' AND (owner IS NULL OR owner <> $2) ORDER BY id FOR UPDATE`,
        [studyId, this.owner, staleMs],
      );
      const gone = rows.filter((r) => r.stale || r.owner === null || !ownerAlive(r.owner)).map((r) => r.id);
      return interrupt(q, gone, 'crashed', 'its process stopped answering');
    });
  }

  async recordEpoch(trialId: number, execution: number, epoch: number, metrics: EpochMetrics): Promise<void> {
    const params = [trialId, execution, epoch, ...epochParams(metrics)];
    await this.q.run(
      `INSERT INTO epochs (trial_id, execution, epoch, ${EPOCH_METRIC_COLUMNS}) VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')})`,
      params,
    );
  }

  async epochs(trialId: number): Promise<{ execution: number; epoch: number; metrics: EpochMetrics }[]> {
    return (await this.q.rows<EpochRow>(`SELECT * FROM epochs WHERE trial_id = $1 ORDER BY execution, epoch`, [trialId])).map(toEpoch);
  }

  completeTrial(trialId: number, score: number, bestEpoch: number, seconds: number): Promise<TrialRecord> {
    // As SqliteStorage: a complete trial without a score would read as none; the caller fails it.
    if (Number.isNaN(score)) return Promise.reject(new Error(`trial ${trialId}: a complete trial needs a score, got NaN`));
    return this.finish(trialId, `status = 'complete', score = $2, best_epoch = $3, seconds = $4`, [score, bestEpoch, seconds]);
  }

  failTrial(trialId: number, error: string, seconds: number): Promise<TrialRecord> {
    return this.finish(trialId, `status = 'failed', error = $2, seconds = $3`, [error, seconds]);
  }

  invalidTrial(trialId: number, error: string): Promise<TrialRecord> {
    return this.finish(trialId, `status = 'invalid', error = $2, seconds = 0`, [error]);
  }

  pruneTrial(trialId: number, score: number, bestEpoch: number, seconds: number): Promise<TrialRecord> {
    if (Number.isNaN(score)) return Promise.reject(new Error(`trial ${trialId}: a pruned trial needs a score, got NaN`));
    return this.finish(trialId, `status = 'pruned', score = $2, best_epoch = $3, seconds = $4`, [score, bestEpoch, seconds]);
  }

  stopTrial(trialId: number, why: string, seconds: number): Promise<TrialRecord> {
    return this.finish(trialId, `status = 'stopped', error = $2, seconds = $3`, [why, seconds], why);
  }

  /** Ends a running trial with `set` ($1 is its id); a stop (`stopped` given) keeps the attempt as history. */
  private finish(trialId: number, set: string, params: unknown[], stopped?: string): Promise<TrialRecord> {
    return this.write(async (q) => {
      const status = await lockTrial(q, trialId);
      if (status !== 'running') throw new Error(`trial ${trialId} is ${status}; only a running trial finishes`);
      if (stopped !== undefined) await endAttempts(q, [trialId], 'stopped', stopped);
      await q.run(`UPDATE trials SET ${set}, finished_at = now() WHERE id = $1`, [trialId, ...params]);
      return trialById(q, trialId);
    });
  }

  interruptRunning(studyId: number): Promise<number> {
    return this.write(async (q) => {
      await lockStudy(q, studyId);
      const mine = await q.rows<{ id: number }>(`SELECT id FROM trials WHERE study_id = $1 AND owner = $2 AND status = 'running' ORDER BY id FOR UPDATE`, [
        studyId,
        this.owner,
      ]);
      return interrupt(
        q,
        mine.map((r) => r.id),
        'interrupted',
        null,
      );
    });
  }

  async saveWeights(trialId: number, weights: StoredWeights): Promise<void> {
    await this.q.run(`INSERT INTO weights (trial_id, data) VALUES ($1, $2) ON CONFLICT (trial_id) DO UPDATE SET data = excluded.data`, [
      trialId,
      encodeWeights(weights),
    ]);
  }

  async loadWeights(trialId: number): Promise<StoredWeights | undefined> {
    const row = await this.q.row<{ data: Buffer }>(`SELECT data FROM weights WHERE trial_id = $1`, [trialId]);
    return row && decodeWeights(row.data);
  }

  async pruneWeights(studyId: number, keep: number): Promise<void> {
    await this.write(async (q) => {
      // Ties go to the earlier trial, so that which weights survive never depends on row order.
      const order = (await lockStudy(q, studyId)) === 'max' ? 'DESC' : 'ASC';
      await q.run(
        `DELETE FROM weights WHERE trial_id IN (SELECT id FROM trials WHERE study_id = $1 AND status <> 'running') AND trial_id NOT IN (
           SELECT id FROM trials WHERE study_id = $1 AND status = 'complete' ORDER BY score ${order}, number LIMIT $2)`,
        [studyId, Math.max(0, keep)],
      );
    });
  }

  async saveCheckpoint(trialId: number, execution: number, checkpoint: Checkpoint): Promise<void> {
    const data = encodeWeights({ tensors: [...checkpoint.weights.tensors, ...checkpoint.slots.tensors] });
    await this.q.run(
      `INSERT INTO checkpoints (trial_id, execution, iterations, weight_count, data) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (trial_id, execution) DO UPDATE SET iterations = excluded.iterations, weight_count = excluded.weight_count, data = excluded.data`,
      [trialId, execution, checkpoint.iterations, checkpoint.weights.tensors.length, data],
    );
  }

  async loadCheckpoint(trialId: number, execution: number): Promise<Checkpoint | undefined> {
    const row = await this.q.row<{ iterations: number; weight_count: number; data: Buffer }>(
      `SELECT iterations, weight_count, data FROM checkpoints WHERE trial_id = $1 AND execution = $2`,
      [trialId, execution],
    );
    if (row === undefined) return undefined;
    const { tensors } = decodeWeights(row.data);
    return { weights: { tensors: tensors.slice(0, row.weight_count) }, iterations: row.iterations, slots: { tensors: tensors.slice(row.weight_count) } };
  }

  async keepCheckpoints(studyId: number, keep: readonly number[]): Promise<void> {
    await this.q.run(
      `DELETE FROM checkpoints WHERE trial_id IN (SELECT id FROM trials WHERE study_id = $1 AND status <> 'running' AND NOT (number = ANY($2::integer[])))`,
      [studyId, [...keep]],
    );
  }

  async checkpointExecutions(trialId: number): Promise<number[]> {
    const rows = await this.q.rows<{ execution: number }>(`SELECT execution FROM checkpoints WHERE trial_id = $1 ORDER BY execution`, [trialId]);
    return rows.map((r) => r.execution);
  }

  importStudy(study: Omit<StudyRecord, 'id'>, data: DataRecord | undefined): Promise<StudyRecord> {
    const spaceJson = JSON.stringify(study.space);
    if (spaceJson === undefined) return Promise.reject(new Error(`study "${study.name}": the space is not JSON`));
    return this.write(async (q) => {
      // ON CONFLICT, so that a study another process creates meanwhile is refused, not an error.
      const made = await q.row<StudyRow>(
        `INSERT INTO studies (name, space_json, objective, direction, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO NOTHING RETURNING ${STUDY_COLUMNS}`,
        [study.name, spaceJson, study.objective, study.direction, study.createdAt],
      );
      if (made === undefined) throw new InputError(this.url, `study "${study.name}"`, 'already exists');
      for (const split of data === undefined ? [] : SPLITS) {
        const { path, size, sha256 } = data![split];
        await q.run(`INSERT INTO study_data (study_id, split, path, size, sha256) VALUES ($1, $2, $3, $4, $5)`, [made.id, split, path, size, sha256]);
      }
      return toStudy(made);
    });
  }

  importTrial(studyId: number, item: TrialImport): Promise<TrialRecord> {
    if (item.trial.status === 'running') return Promise.reject(new Error(`trial ${item.trial.number}: a running trial cannot be imported`));
    return this.write(async (q) => {
      await lockStudy(q, studyId);
      return importTrialRows(q, studyId, item);
    });
  }

  appendTrial(studyId: number, item: TrialAppend): Promise<TrialRecord> {
    if (item.trial.status === 'running') return Promise.reject(new Error(`a running trial cannot be appended`));
    return this.write(async (q) => {
      // Under the study's lock, so that hosts appending or creating at once take different numbers.
      await lockStudy(q, studyId);
      const { number } = (await q.row<{ number: number }>(`SELECT COALESCE(MAX(number), 0) + 1 AS number FROM trials WHERE study_id = $1`, [studyId]))!;
      return importTrialRows(q, studyId, { ...item, trial: { ...item.trial, number } });
    });
  }

  updateSpace(studyId: number, space: unknown): Promise<StudyRecord> {
    const spaceJson = JSON.stringify(space);
    if (spaceJson === undefined) return Promise.reject(new Error(`study ${studyId}: the space is not JSON`));
    return this.write(async (q) => {
      const row = await q.row<StudyRow>(`UPDATE studies SET space_json = $2 WHERE id = $1 RETURNING ${STUDY_COLUMNS}`, [studyId, spaceJson]);
      if (row === undefined) throw new Error(`no study with id ${studyId}`);
      return toStudy(row);
    });
  }

  /** Closes the handle's connections; closing a closed handle is no error. */
  close(): Promise<void> {
    return this.db.end();
  }
}

/** False when `owner` names a process of this host that no longer exists. */
function ownerAlive(owner: string): boolean {
  const [host, pid] = owner.split(':');
  return host !== hostname() || !pid || processAlive(Number(pid));
}
