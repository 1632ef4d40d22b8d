import type { DataRecord, StudyRecord } from '../domain/study.js';
import type { AttemptRecord, EpochMetrics, Schedule, TrialRecord } from '../domain/trial.js';
import type { Checkpoint, StoredWeights } from '../domain/weights.js';
import type { FoldScore, StudyFolds } from '../domain/folds.js';
import type { Values } from '../space/hyperparameter.js';

// The records a Storage keeps and returns live in src/domain/; these two are re-exported for
// the storages and their callers that name them with the interface.
export type { Checkpoint, StoredWeights };

/** One epoch's metrics of one execution, as Storage.epochs returns them. */
export interface EpochRecord {
  execution: number;
  epoch: number;
  metrics: EpochMetrics;
}

/**
 * A trial with everything of it, as `tune storage copy` carries it between two storages:
 * the record as it reads (its id aside, which the storage it goes to gives), its epochs, its
 * attempts' history, its kept weights and its checkpoints by execution (1-based).
 */
export interface TrialImport {
  trial: Omit<TrialRecord, 'id'>;
  epochs: readonly EpochRecord[];
  attempts: readonly AttemptRecord[];
  weights?: StoredWeights;
  checkpoints: readonly { execution: number; checkpoint: Checkpoint }[];
}

/**
 * A trial to write with the study's next free number (`tune add`: an outside result, complete;
 * `tune enqueue`: a value set to run first, waiting with attempt 0).
 */
export interface TrialAppend extends Omit<TrialImport, 'trial'> {
  trial: Omit<TrialRecord, 'id' | 'number'>;
}

/**
 * Where studies, trials, per-epoch metrics and the best trials' weights live. Only the main
 * thread holds a Storage (workers never open it). Every method returns a promise, so that a
 * store behind a network (PostgreSQL) or one that must wait for another process's lock never
 * blocks the event loop, which also serves the worker ports and Ink. Each write is its own
 * short transaction, applied in full or not at all. Calls of one handle may settle out of
 * order (a write waiting for a lock settles after a later read): a caller that needs an order,
 * such as one trial's epochs before its end, awaits each write before making the next.
 * Implementations: SqliteStorage (src/storage/sqlite.ts), MemoryStorage (src/storage/memory.ts),
 * PostgresStorage (src/storage/postgres/postgres.ts).
 * Methods reject with InputError for a store that is not one of ours, and Error for bugs.
 */
export interface Storage {
  /**
   * Creates the study `name`, or returns it when it exists with an equal space (deep-equal
   * JSON). With a different space it throws InputError, unless `overwrite`, which deletes the
   * old study and everything of it first. Called by `tune run` at start.
   */
  openStudy(name: string, space: unknown, objective: string, direction: 'max' | 'min', overwrite: boolean): Promise<StudyRecord>;
  /** The study `name`, or undefined. Called by best, list, show. */
  findStudy(name: string): Promise<StudyRecord | undefined>;
  /**
   * Deletes a study and everything of it (trials, epochs, weights, checkpoints, its data
   * record); a study already gone is no error. Called by `tune run --overwrite` when the data
   * of a study with an equal space changed.
   */
  deleteStudy(studyId: number): Promise<void>;
  /**
   * Records the files the study runs on (each split's absolute path, size and sha256). Without
   * `replace`, a record the study already has is kept (another process created the study
   * first); with it, the record is replaced (the same bytes moved elsewhere). Returns the
   * record now in effect. Called by `tune run`. Throws Error for a study that does not exist.
   */
  recordData(studyId: number, data: DataRecord, replace: boolean): Promise<DataRecord>;
  /**
   * The files the study ran on, or undefined when it has no record (a study created before
   * schema version 3). Called by `tune run` on resume and by `tune best`.
   */
  studyData(studyId: number): Promise<DataRecord | undefined>;
  /**
   * Records the folds of a study's cross-validation (src/folds/). A record the study already
   * has is kept (an earlier run, or another process, drew them first); returns the record in
   * effect, which the run then trains on. Called by `tune run`. Throws Error for a study that
   * does not exist.
   */
  recordFolds(studyId: number, folds: StudyFolds): Promise<StudyFolds>;
  /** The study's folds, or undefined when it has none (not cross-validated). Called by `tune run` and the tests that check them. */
  studyFolds(studyId: number): Promise<StudyFolds | undefined>;
  /**
   * Stores the best objective value of each execution x fold of a cross-validated trial,
   * replacing earlier ones; called by the study just before it completes or prunes the trial.
   * They go with its epochs when it restarts, is retried or interrupted. Throws Error for a
   * trial that does not exist.
   */
  saveFoldScores(trialId: number, scores: readonly FoldScore[]): Promise<void>;
  /** A trial's fold scores by fold, then execution; empty when it has none. Called by `tune show`. */
  foldScores(trialId: number): Promise<FoldScore[]>;
  /** All studies, oldest first. */
  listStudies(): Promise<StudyRecord[]>;
  /** Every trial of a study, by number. */
  trials(studyId: number): Promise<TrialRecord[]>;
  /** One trial by number, or undefined. */
  trial(studyId: number, number: number): Promise<TrialRecord | undefined>;
  /** A new running trial with the next free number (and its Hyperband schedule, if any). */
  createTrial(studyId: number, values: Values, schedule?: Schedule): Promise<TrialRecord>;
  /**
   * Like createTrial, but only while fewer than `limit` trials of the study are complete,
   * running, interrupted or stopped, in every process sharing the store ('limit' otherwise),
   * and only when no trial has these values yet, or for a Hyperband promotion no trial has
   * promoted this parent yet ('taken' otherwise).
   */
  createTrialWithin(studyId: number, values: Values, limit: number, schedule?: Schedule): Promise<TrialRecord | 'limit' | 'taken'>;
  /**
   * Sets an interrupted or stopped trial running again for this handle (same number and
   * values, next attempt); returns it.
   */
  restartTrial(trialId: number): Promise<TrialRecord>;
  /** Restarts the lowest-numbered interrupted or stopped trial of the study; undefined if none. */
  claimInterrupted(studyId: number): Promise<TrialRecord | undefined>;
  /**
   * Starts a running trial over after its attempt crashed (max_retries_per_trial): its epochs
   * and weights are dropped, its start time is now, the failed attempt stays as history.
   * Throws Error for a trial not running.
   */
  retryTrial(trialId: number, error?: string): Promise<TrialRecord>;
  /** The attempts of a trial that ended without finishing it, oldest first. */
  attempts(trialId: number): Promise<AttemptRecord[]>;
  /** Marks this handle's running trials alive (call it every few seconds while they run). */
  heartbeat(): Promise<void>;
  /**
   * Interrupts the running trials of other handles whose process is gone (no heartbeat for
   * `staleMs`, or a dead process on this host), so that they run again; returns how many.
   */
  recoverStale(studyId: number, staleMs: number): Promise<number>;
  /** Appends one epoch's metrics of one execution (1-based execution and epoch). */
  recordEpoch(trialId: number, execution: number, epoch: number, metrics: EpochMetrics): Promise<void>;
  /** The epochs of a trial, ordered by execution then epoch. */
  epochs(trialId: number): Promise<{ execution: number; epoch: number; metrics: EpochMetrics }[]>;
  /** Marks a running trial complete with its score. */
  completeTrial(trialId: number, score: number, bestEpoch: number, seconds: number): Promise<TrialRecord>;
  /** Marks a running trial failed with its error message. */
  failTrial(trialId: number, error: string, seconds: number): Promise<TrialRecord>;
  /** Marks a running trial invalid: its values build no model, `error` says why. */
  invalidTrial(trialId: number, error: string): Promise<TrialRecord>;
  /** Marks this handle's running trials of the study interrupted (epochs dropped); returns how many. */
  interruptRunning(studyId: number): Promise<number>;
  /** Marks a running trial stopped by the study (its epochs are kept until it restarts). */
  stopTrial(trialId: number, why: string, seconds: number): Promise<TrialRecord>;
  /**
   * Marks a running trial pruned by the study's pruner, with its score so far (the best
   * objective value of its epochs, as for a complete trial) and best epoch; its epochs stay.
   * Called by the study when the pruner says so. Throws Error for a trial not running.
   */
  pruneTrial(trialId: number, score: number, bestEpoch: number, seconds: number): Promise<TrialRecord>;
  /**
   * Replaces the study's stored space with `space`: `tune run` calls it when the space file
   * only grew (src/space/growth.ts decides), so that the old trials stay. Returns the study.
   * Throws Error for a study that does not exist.
   */
  updateSpace(studyId: number, space: unknown): Promise<StudyRecord>;
  /**
   * Writes one trial as importTrial does, with the next free number of the study, taken in the
   * same transaction (so hosts appending at once get different numbers); returns the record.
   * Called by `tune enqueue` (a waiting trial) and `tune add` (a complete one with its epochs).
   * Throws Error as importTrial does.
   */
  appendTrial(studyId: number, item: TrialAppend): Promise<TrialRecord>;
  /** Stores a trial's weights, replacing earlier ones. */
  saveWeights(trialId: number, weights: StoredWeights): Promise<void>;
  /** A trial's weights, or undefined when none are kept. */
  loadWeights(trialId: number): Promise<StoredWeights | undefined>;
  /**
   * Keeps weights only for the `keep` best complete trials of the study (by its direction), and
   * for every running trial: another process saves a trial's weights just before it completes.
   */
  pruneWeights(studyId: number, keep: number): Promise<void>;
  /** Stores the checkpoint of one execution (1-based) of a trial, replacing an earlier one. */
  saveCheckpoint(trialId: number, execution: number, checkpoint: Checkpoint): Promise<void>;
  /** One execution's checkpoint, or undefined when none is kept. */
  loadCheckpoint(trialId: number, execution: number): Promise<Checkpoint | undefined>;
  /** Drops every checkpoint of the study except those of the trials numbered in `keep` and of running trials. */
  keepCheckpoints(studyId: number, keep: readonly number[]): Promise<void>;
  /** The executions (1-based, ascending) of a trial that have a checkpoint kept. Called by `tune storage copy`. */
  checkpointExecutions(trialId: number): Promise<number[]>;
  /**
   * Creates the study `study.name` as given (space, objective, direction, creation time) with
   * its data record, if any, in one transaction; returns it. Throws InputError when a study of
   * that name exists (nothing is written). Called by `tune storage copy`.
   */
  importStudy(study: Omit<StudyRecord, 'id'>, data: DataRecord | undefined): Promise<StudyRecord>;
  /**
   * Writes one trial of the study as given (number, status, values, score, times, schedule,
   * attempt count) with its epochs, attempts, weights and checkpoints, in one transaction;
   * returns the record, with the id this storage gave it. No process owns it. Throws Error for
   * a running trial (a copy cannot carry the process that runs it), a number the study has
   * already, and a study that does not exist. Called by `tune storage copy`.
   */
  importTrial(studyId: number, item: TrialImport): Promise<TrialRecord>;
  /** Ends this handle once its calls under way have settled; called last by every command. */
  close(): Promise<void>;
}

/** JSON with object keys sorted, so that two spaces compare equal whatever their key order. */
function canonical(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

/** Whether two spaces are equal as openStudy means it (deep-equal JSON, whatever the key order). */
export function sameSpace(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
