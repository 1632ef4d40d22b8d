import { storedMetrics } from '../domain/metrics.js';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';
import type { Values } from '../space/hyperparameter.js';
import {
  COUNTED_STATUSES,
  RESUMABLE_STATUSES,
  TRANSITIONS,
  checkTransition,
  type AttemptRecord,
  type EpochMetrics,
  type Schedule,
  type TrialRecord,
} from '../domain/trial.js';
import type { DataRecord, StudyRecord } from '../domain/study.js';
import type { FoldScore, StudyFolds } from '../domain/folds.js';
import { MemoryStore, copyData, toStudy, toTrial, type TrialRow } from './memory-store.js';
import { sameSpace, type Checkpoint, type Storage, type StoredWeights, type TrialAppend, type TrialImport } from './storage.js';
import { decodeWeights, encodeWeights } from './weights-codec.js';
import { Direction } from '../domain/direction.js';

const now = (): string => new Date().toISOString();

/**
 * Storage in this process's memory, as Optuna's InMemoryStorage: for tests and for studies
 * that need no file. Every handle made on one MemoryStore sees the others' writes and keeps
 * its own owner name, claims and heartbeat, as processes sharing one SQLite file do; each
 * method's body runs in one go, which is what makes it a transaction here. Nothing outlives
 * the process.
 */
export class MemoryStorage implements Storage {
  /** memory:pid:tag of this handle; the tag tells apart two handles on one store. */
  readonly owner = `memory:${process.pid}:${randomBytes(3).toString('hex')}`;
  private closed = false;

  /** A handle on `store`, a new empty one by default; pass another handle's store for a second handle. */
  constructor(readonly store: MemoryStore = new MemoryStore('memory')) {}

  /** The store's tables; throws Error after close, as a closed database does. */
  private get db(): MemoryStore {
    if (this.closed) throw new Error(`${this.store.name}: the storage is closed`);
    return this.store;
  }

  private row(trialId: number): TrialRow {
    const row = this.db.trials.get(trialId);
    if (row === undefined) throw new Error(`no trial with id ${trialId}`);
    return row;
  }

  async openStudy(name: string, space: unknown, objective: string, direction: 'max' | 'min', overwrite: boolean): Promise<StudyRecord> {
    const db = this.db;
    const old = [...db.studies.values()].find((s) => s.name === name);
    if (old !== undefined) {
      if (sameSpace(JSON.parse(old.spaceJson), space)) return toStudy(old);
      if (!overwrite) {
        const count = db.trialsOf(old.id).length;
        throw new InputError(
          db.name,
          `study "${name}"`,
          `exists with a different search space; pass --overwrite to replace it (this deletes its ${count} trials)`,
        );
      }
      this.dropStudy(old.id);
    }
    const spaceJson = JSON.stringify(space);
    if (spaceJson === undefined) throw new Error(`study "${name}": the space is not JSON`);
    const row = { id: db.nextStudyId(), name, spaceJson, objective, direction, createdAt: now() };
    db.studies.set(row.id, row);
    return toStudy(row);
  }

  async updateSpace(studyId: number, space: unknown): Promise<StudyRecord> {
    const study = this.db.studies.get(studyId);
    if (study === undefined) throw new Error(`no study with id ${studyId}`);
    const spaceJson = JSON.stringify(space);
    if (spaceJson === undefined) throw new Error(`study ${studyId}: the space is not JSON`);
    study.spaceJson = spaceJson;
    return toStudy(study);
  }

  async findStudy(name: string): Promise<StudyRecord | undefined> {
    const row = [...this.db.studies.values()].find((s) => s.name === name);
    return row && toStudy(row);
  }

  async deleteStudy(studyId: number): Promise<void> {
    this.dropStudy(studyId);
  }

  private dropStudy(studyId: number): void {
    const db = this.db;
    for (const t of db.trialsOf(studyId)) db.deleteTrial(t.id);
    db.studies.delete(studyId);
  }

  async recordData(studyId: number, data: DataRecord, replace: boolean): Promise<DataRecord> {
    const study = this.db.studies.get(studyId);
    if (study === undefined) throw new Error(`no study with id ${studyId}`);
    if (study.data !== undefined && !replace) return study.data;
    study.data = copyData(data);
    return study.data;
  }

  async studyData(studyId: number): Promise<DataRecord | undefined> {
    return this.db.studies.get(studyId)?.data;
  }

  async recordFolds(studyId: number, folds: StudyFolds): Promise<StudyFolds> {
    const study = this.db.studies.get(studyId);
    if (study === undefined) throw new Error(`no study with id ${studyId}`);
    // Copied, so that nothing the caller holds is the store's.
    study.folds ??= Object.freeze({ ...folds, folds: Object.freeze(folds.folds.map((f) => Object.freeze({ ...f, rows: Int32Array.from(f.rows) }))) });
    return study.folds;
  }

  async studyFolds(studyId: number): Promise<StudyFolds | undefined> {
    return this.db.studies.get(studyId)?.folds;
  }

  async saveFoldScores(trialId: number, scores: readonly FoldScore[]): Promise<void> {
    this.row(trialId);
    this.db.foldScores.set(
      trialId,
      scores.map((s) => Object.freeze({ ...s })),
    );
  }

  async foldScores(trialId: number): Promise<FoldScore[]> {
    return [...(this.db.foldScores.get(trialId) ?? [])].sort((a, b) => a.fold - b.fold || a.execution - b.execution);
  }

  async listStudies(): Promise<StudyRecord[]> {
    return [...this.db.studies.values()].sort((a, b) => a.id - b.id).map(toStudy);
  }

  async trials(studyId: number): Promise<TrialRecord[]> {
    return this.db.trialsOf(studyId).map(toTrial);
  }

  async trial(studyId: number, number: number): Promise<TrialRecord | undefined> {
    const row = this.db.trialsOf(studyId).find((t) => t.number === number);
    return row && toTrial(row);
  }

  async createTrial(studyId: number, values: Values, schedule?: Schedule): Promise<TrialRecord> {
    return toTrial(this.insertTrial(studyId, values, schedule));
  }

  private insertTrial(studyId: number, values: Values, schedule?: Schedule): TrialRow {
    const db = this.db;
    if (!db.studies.has(studyId)) throw new Error(`no study with id ${studyId}`);
    const number = db.trialsOf(studyId).reduce((last, t) => Math.max(last, t.number), 0) + 1;
    const row: TrialRow = {
      id: db.nextTrialId(),
      studyId,
      number,
      status: 'running',
      valuesJson: JSON.stringify(values),
      scheduleJson: schedule === undefined ? null : JSON.stringify(schedule),
      score: null,
      bestEpoch: null,
      startedAt: now(),
      finishedAt: null,
      seconds: null,
      error: null,
      attempt: 1,
      owner: this.owner,
      heartbeatAt: Date.now(),
    };
    db.trials.set(row.id, row);
    return row;
  }

  async createTrialWithin(studyId: number, values: Values, limit: number, schedule?: Schedule): Promise<TrialRecord | 'limit' | 'taken'> {
    const trials = this.db.trialsOf(studyId);
    if (trials.filter((t) => COUNTED_STATUSES.has(t.status)).length >= limit) return 'limit';
    const parentOf = (t: TrialRow): number | undefined => (t.scheduleJson === null ? undefined : (JSON.parse(t.scheduleJson) as Schedule).parent);
    const valuesJson = JSON.stringify(values);
    const taken =
      schedule?.parent !== undefined
        ? trials.some((t) => parentOf(t) === schedule.parent)
        : trials.some((t) => t.valuesJson === valuesJson && parentOf(t) === undefined);
    return taken ? 'taken' : toTrial(this.insertTrial(studyId, values, schedule));
  }

  async restartTrial(trialId: number): Promise<TrialRecord> {
    return toTrial(this.restart(trialId));
  }

  private restart(trialId: number): TrialRow {
    const row = this.row(trialId);
    checkTransition(trialId, row.status, 'restart');
    this.db.dropResults(trialId);
    Object.assign(row, { status: 'running', startedAt: now(), finishedAt: null, score: null, bestEpoch: null, seconds: null, error: null });
    Object.assign(row, { attempt: row.attempt + 1, owner: this.owner, heartbeatAt: Date.now() });
    return row;
  }

  async claimInterrupted(studyId: number): Promise<TrialRecord | undefined> {
    const next = this.db.trialsOf(studyId).find((t) => RESUMABLE_STATUSES.has(t.status));
    return next && toTrial(this.restart(next.id));
  }

  async retryTrial(trialId: number, error?: string): Promise<TrialRecord> {
    const row = this.row(trialId);
    checkTransition(trialId, row.status, 'retry');
    this.endAttempt(row, 'retried', error ?? null);
    this.db.dropResults(trialId);
    Object.assign(row, { startedAt: now(), attempt: row.attempt + 1, owner: this.owner, heartbeatAt: Date.now() });
    return toTrial(row);
  }

  /** Keeps a running trial's attempt as history. */
  private endAttempt(row: TrialRow, outcome: AttemptRecord['outcome'], error: string | null): void {
    const attempt = Object.freeze({ attempt: row.attempt, outcome, startedAt: row.startedAt, endedAt: now(), owner: row.owner, error });
    const db = this.db;
    db.attempts.set(row.id, [...(db.attempts.get(row.id) ?? []), attempt]);
  }

  async attempts(trialId: number): Promise<AttemptRecord[]> {
    return [...(this.db.attempts.get(trialId) ?? [])].sort((a, b) => a.attempt - b.attempt);
  }

  async heartbeat(): Promise<void> {
    const beat = Date.now();
    for (const row of this.db.trials.values()) if (row.owner === this.owner && row.status === 'running') row.heartbeatAt = beat;
  }

  /** Interrupts other handles' running trials whose heartbeat is older than `staleMs` (one process: no pid to ask). */
  async recoverStale(studyId: number, staleMs: number): Promise<number> {
    const stale = this.db
      .trialsOf(studyId)
      .filter((t) => t.status === 'running' && t.owner !== this.owner)
      .filter((t) => t.owner === null || t.heartbeatAt === null || Date.now() - t.heartbeatAt > staleMs);
    for (const row of stale) this.interrupt(row, 'crashed', 'its process stopped answering');
    return stale.length;
  }

  /** Marks a running trial interrupted, its attempt kept as history and its results dropped. */
  private interrupt(row: TrialRow, outcome: AttemptRecord['outcome'], error: string | null): void {
    this.endAttempt(row, outcome, error);
    this.db.dropResults(row.id);
    Object.assign(row, { status: TRANSITIONS.interrupt.to, finishedAt: now() });
  }

  async recordEpoch(trialId: number, execution: number, epoch: number, metrics: EpochMetrics): Promise<void> {
    this.row(trialId);
    const db = this.db;
    const epochs = db.epochs.get(trialId) ?? new Map();
    const key = `${execution}:${epoch}`;
    if (epochs.has(key)) throw new Error(`trial ${trialId}: epoch ${epoch} of execution ${execution} is already recorded`);
    epochs.set(key, Object.freeze({ execution, epoch, metrics: storedMetrics(metrics) }));
    db.epochs.set(trialId, epochs);
  }

  async epochs(trialId: number): Promise<{ execution: number; epoch: number; metrics: EpochMetrics }[]> {
    return [...(this.db.epochs.get(trialId)?.values() ?? [])].sort((a, b) => a.execution - b.execution || a.epoch - b.epoch);
  }

  async completeTrial(trialId: number, score: number, bestEpoch: number, seconds: number): Promise<TrialRecord> {
    // As in SQLite, where NaN would read back as "no score": the caller should fail the trial.
    if (Number.isNaN(score)) throw new Error(`trial ${trialId}: a complete trial needs a score, got NaN`);
    return this.finish(trialId, 'complete', { score, bestEpoch, seconds });
  }

  async failTrial(trialId: number, error: string, seconds: number): Promise<TrialRecord> {
    return this.finish(trialId, 'fail', { error, seconds });
  }

  async invalidTrial(trialId: number, error: string): Promise<TrialRecord> {
    return this.finish(trialId, 'invalid', { error, seconds: 0 });
  }

  async pruneTrial(trialId: number, score: number, bestEpoch: number, seconds: number): Promise<TrialRecord> {
    if (Number.isNaN(score)) throw new Error(`trial ${trialId}: a pruned trial needs a score, got NaN`);
    return this.finish(trialId, 'prune', { score, bestEpoch, seconds });
  }

  async stopTrial(trialId: number, why: string, seconds: number): Promise<TrialRecord> {
    const row = this.row(trialId);
    checkTransition(trialId, row.status, 'stop');
    this.endAttempt(row, 'stopped', why);
    return this.finish(trialId, 'stop', { error: why, seconds });
  }

  /** Ends a running trial as `transition` says, with the fields of `set`. */
  private finish(trialId: number, transition: 'complete' | 'fail' | 'invalid' | 'stop' | 'prune', set: Partial<TrialRow>): TrialRecord {
    const row = this.row(trialId);
    checkTransition(trialId, row.status, transition);
    return toTrial(Object.assign(row, set, { status: TRANSITIONS[transition].to, finishedAt: now() }));
  }

  async interruptRunning(studyId: number): Promise<number> {
    const mine = this.db.trialsOf(studyId).filter((t) => t.status === 'running' && t.owner === this.owner);
    for (const row of mine) this.interrupt(row, 'interrupted', null);
    return mine.length;
  }

  async saveWeights(trialId: number, weights: StoredWeights): Promise<void> {
    this.row(trialId);
    this.db.weights.set(trialId, encodeWeights(weights));
  }

  async loadWeights(trialId: number): Promise<StoredWeights | undefined> {
    const data = this.db.weights.get(trialId);
    return data && decodeWeights(data);
  }

  async pruneWeights(studyId: number, keep: number): Promise<void> {
    const db = this.db;
    const study = db.studies.get(studyId);
    if (study === undefined) throw new Error(`no study with id ${studyId}`);
    const order = Direction.order(study.direction);
    // Ties go to the earlier trial, so that which weights survive never depends on row order.
    const best = db
      .trialsOf(studyId)
      .filter((t) => t.status === 'complete')
      .sort((a, b) => order(a.score!, b.score!) || a.number - b.number)
      .slice(0, Math.max(0, keep));
    const kept = new Set(best.map((t) => t.id));
    for (const t of db.trialsOf(studyId)) if (!kept.has(t.id) && t.status !== 'running') db.weights.delete(t.id);
  }

  async saveCheckpoint(trialId: number, execution: number, checkpoint: Checkpoint): Promise<void> {
    this.row(trialId);
    this.putCheckpoint(trialId, execution, checkpoint);
  }

  private putCheckpoint(trialId: number, execution: number, checkpoint: Checkpoint): void {
    const data = encodeWeights({ tensors: [...checkpoint.weights.tensors, ...checkpoint.slots.tensors] });
    const db = this.db;
    const byExecution = db.checkpoints.get(trialId) ?? new Map();
    byExecution.set(execution, { iterations: checkpoint.iterations, weightCount: checkpoint.weights.tensors.length, data });
    db.checkpoints.set(trialId, byExecution);
  }

  async loadCheckpoint(trialId: number, execution: number): Promise<Checkpoint | undefined> {
    const row = this.db.checkpoints.get(trialId)?.get(execution);
    if (row === undefined) return undefined;
    const { tensors } = decodeWeights(row.data);
    return { weights: { tensors: tensors.slice(0, row.weightCount) }, iterations: row.iterations, slots: { tensors: tensors.slice(row.weightCount) } };
  }

  async keepCheckpoints(studyId: number, keep: readonly number[]): Promise<void> {
    const db = this.db;
    for (const t of db.trialsOf(studyId)) if (!keep.includes(t.number) && t.status !== 'running') db.checkpoints.delete(t.id);
  }

  async checkpointExecutions(trialId: number): Promise<number[]> {
    return [...(this.db.checkpoints.get(trialId)?.keys() ?? [])].sort((a, b) => a - b);
  }

  async importStudy(study: Omit<StudyRecord, 'id'>, data: DataRecord | undefined): Promise<StudyRecord> {
    const db = this.db;
    if ([...db.studies.values()].some((s) => s.name === study.name)) throw new InputError(db.name, `study "${study.name}"`, 'already exists');
    const spaceJson = JSON.stringify(study.space);
    if (spaceJson === undefined) throw new Error(`study "${study.name}": the space is not JSON`);
    const { name, objective, direction, createdAt } = study;
    const row = { id: db.nextStudyId(), name, spaceJson, objective, direction, createdAt, data: data && copyData(data) };
    db.studies.set(row.id, row);
    return toStudy(row);
  }

  async importTrial(studyId: number, item: TrialImport): Promise<TrialRecord> {
    const db = this.db;
    const t = item.trial;
    if (!db.studies.has(studyId)) throw new Error(`no study with id ${studyId}`);
    if (t.status === 'running') throw new Error(`trial ${t.number}: a running trial cannot be imported`);
    if (db.trialsOf(studyId).some((x) => x.number === t.number)) throw new Error(`trial ${t.number}: the study has that number already`);
    // Everything is checked before the first write, so that a bad item leaves nothing behind.
    const epochs = new Map(
      item.epochs.map(({ execution, epoch, metrics }) => [`${execution}:${epoch}`, Object.freeze({ execution, epoch, metrics: storedMetrics(metrics) })]),
    );
    if (epochs.size !== item.epochs.length) throw new Error(`trial ${t.number}: an epoch is given twice`);
    if (new Set(item.attempts.map((a) => a.attempt)).size !== item.attempts.length) throw new Error(`trial ${t.number}: an attempt is given twice`);
    const row: TrialRow = {
      id: db.nextTrialId(),
      studyId,
      number: t.number,
      status: t.status,
      valuesJson: JSON.stringify(t.values),
      scheduleJson: t.schedule === null ? null : JSON.stringify(t.schedule),
      score: t.score,
      bestEpoch: t.bestEpoch,
      startedAt: t.startedAt,
      finishedAt: t.finishedAt,
      seconds: t.seconds,
      error: t.error,
      attempt: t.attempt,
      owner: null,
      heartbeatAt: null,
    };
    db.trials.set(row.id, row);
    if (epochs.size > 0) db.epochs.set(row.id, epochs);
    if (item.attempts.length > 0)
      db.attempts.set(
        row.id,
        item.attempts.map(({ attempt, outcome, startedAt, endedAt, owner, error }) => Object.freeze({ attempt, outcome, startedAt, endedAt, owner, error })),
      );
    if (item.weights !== undefined) db.weights.set(row.id, encodeWeights(item.weights));
    for (const { execution, checkpoint } of item.checkpoints) this.putCheckpoint(row.id, execution, checkpoint);
    return toTrial(row);
  }

  async appendTrial(studyId: number, item: TrialAppend): Promise<TrialRecord> {
    const number = this.db.trialsOf(studyId).reduce((last, t) => Math.max(last, t.number), 0) + 1;
    return this.importTrial(studyId, { ...item, trial: { ...item.trial, number } });
  }

  /** Ends this handle; the store and the other handles on it go on. */
  async close(): Promise<void> {
    this.closed = true;
  }
}
