import type { StudyRecord } from '../domain/study.js';
import type { TrialRecord } from '../domain/trial.js';
import type { Storage, TrialImport } from './storage.js';

/**
 * Copying one study from a storage to another, as Optuna's copy_study moves a study between
 * two storages: through the Storage interface only, so that any two kinds pair up (SQLite to
 * PostgreSQL and back, memory in tests).
 */

/** What a copy carried, for the command's one line (or its JSON). */
export interface CopySummary {
  study: string;
  trials: number;
  epochs: number;
  /** Trials whose kept weights came along. */
  weights: number;
  /** Executions' checkpoints (Hyperband trials a promotion may still continue). */
  checkpoints: number;
  /** Numbers of the trials that were running in FROM; they arrive interrupted and run again in TO. */
  interrupted: number[];
}

/** What the history of a trial copied while it ran says about its cut-off attempt. */
export const COPIED_RUNNING = 'it was running when its study was copied; it runs again from the start';

export interface CopyOptions {
  /** Checked between trials: a copy that should stop throws this signal's reason (Ctrl-C). */
  signal?: AbortSignal;
  /** The time a running trial's cut-off attempt ends at (now by default); tests pin it. */
  now?: () => string;
}

/**
 * Copies `study` of `from`, with everything of it (its folds and fold scores too), into `to`, one transaction per trial. The
 * study arrives whole or not at all: when any step fails (or `options.signal` fires), what was
 * written to `to` is deleted again and the error is thrown. Throws InputError, writing
 * nothing, when `to` has a study of that name. A trial running in `from` arrives interrupted,
 * without what its cut-off attempt produced, as a restart would drop it anyway.
 */
export async function copyStudy(from: Storage, to: Storage, study: StudyRecord, options: CopyOptions = {}): Promise<CopySummary> {
  const now = options.now ?? (() => new Date().toISOString());
  const { name, space, objective, direction, createdAt } = study;
  const made = await to.importStudy({ name, space, objective, direction, createdAt }, await from.studyData(study.id));
  const summary: CopySummary = { study: name, trials: 0, epochs: 0, weights: 0, checkpoints: 0, interrupted: [] };
  try {
    const folds = await from.studyFolds(study.id);
    if (folds !== undefined) await to.recordFolds(made.id, folds);
    for (const trial of await from.trials(study.id)) {
      options.signal?.throwIfAborted();
      const item = trial.status === 'running' ? await cutOff(from, trial, now()) : await whole(from, trial);
      const copied = await to.importTrial(made.id, item);
      // A cut-off attempt's fold scores stay behind with its epochs.
      const scores = trial.status === 'running' ? [] : await from.foldScores(trial.id);
      if (scores.length > 0) await to.saveFoldScores(copied.id, scores);
      summary.trials++;
      summary.epochs += item.epochs.length;
      summary.weights += item.weights === undefined ? 0 : 1;
      summary.checkpoints += item.checkpoints.length;
      if (trial.status === 'running') summary.interrupted.push(trial.number);
    }
  } catch (err) {
    // The study must not stay half copied; a failure to delete it is worth less than the cause.
    await to.deleteStudy(made.id).catch(() => undefined);
    throw err;
  }
  return summary;
}

/** A finished (or waiting) trial with everything of it. */
async function whole(from: Storage, trial: TrialRecord): Promise<TrialImport> {
  const { id, ...record } = trial;
  const executions = await from.checkpointExecutions(id);
  const checkpoints = await Promise.all(
    executions.map(async (execution) => {
      const checkpoint = await from.loadCheckpoint(id, execution);
      if (checkpoint === undefined) throw new Error(`trial ${trial.number}: the checkpoint of execution ${execution} went missing during the copy`);
      return { execution, checkpoint };
    }),
  );
  return { trial: record, epochs: await from.epochs(id), attempts: await from.attempts(id), weights: await from.loadWeights(id), checkpoints };
}

/**
 * A running trial as an interrupt leaves it: its attempt ends now as history, and its epochs,
 * weights and checkpoints (a run cut short) stay behind, so that TO runs it again from scratch.
 */
async function cutOff(from: Storage, trial: TrialRecord, endedAt: string): Promise<TrialImport> {
  const { id, ...record } = trial;
  const cut = { attempt: trial.attempt, outcome: 'interrupted' as const, startedAt: trial.startedAt, endedAt, owner: null, error: COPIED_RUNNING };
  const attempts = [...(await from.attempts(id)).filter((a) => a.attempt !== trial.attempt), cut];
  return { trial: { ...record, status: 'interrupted', finishedAt: endedAt }, epochs: [], attempts, checkpoints: [] };
}
