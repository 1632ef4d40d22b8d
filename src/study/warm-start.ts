import type { EpochMetrics, TrialRecord } from '../domain/trial.js';
import type { Values } from '../space/hyperparameter.js';
import type { Space } from '../space/space.js';
import type { EpochRecord, Storage, TrialAppend } from '../storage/storage.js';

/** What enqueueing did: the trials queued, and the sets skipped because a trial has them already. */
export interface Enqueued {
  queued: TrialRecord[];
  skipped: { values: Values; number: number }[];
}

/**
 * Queues value sets (checked against the space already) as waiting trials with the study's
 * next numbers, in their order; a set that a trial of the study has already, or that comes
 * twice, is skipped, so that enqueueing the same file again queues nothing new. `tune run`
 * starts waiting trials before it asks the oracle. Called by `tune enqueue` and by `tune run`
 * for the tuner's `enqueue` when the study has no trial yet. Rejects as appendTrial does.
 */
export async function enqueueTrials(storage: Storage, studyId: number, space: Space, sets: readonly Values[]): Promise<Enqueued> {
  const have = new Map((await storage.trials(studyId)).map((t) => [space.key(t.values as Values), t.number]));
  const out: Enqueued = { queued: [], skipped: [] };
  for (const values of sets) {
    const key = space.key(values);
    const number = have.get(key);
    if (number !== undefined) {
      out.skipped.push({ values, number });
      continue;
    }
    const record = await storage.appendTrial(studyId, appended(values, 'waiting'));
    have.set(key, record.number);
    out.queued.push(record);
  }
  return out;
}

/** An outside result: its values (checked), score, and epochs if the user has them. */
export interface OutsideResult {
  values: Values;
  score: number;
  epochs: readonly EpochRecord[];
  /** The objective the score is of, which picks the best epoch. */
  objective: keyof EpochMetrics;
  direction: 'max' | 'min';
}

/**
 * Records a result obtained outside `tune` as a complete trial with the next number, so that
 * the oracle learns from it as from any complete trial. Its attempt is 0 (it never ran here);
 * its best epoch is the epoch whose objective is best, or null without epochs. Called by
 * `tune add`. Rejects as appendTrial does.
 */
export async function addResult(storage: Storage, studyId: number, r: OutsideResult): Promise<TrialRecord> {
  const item = appended(r.values, 'complete');
  let bestEpoch: number | null = null;
  let best: number | undefined;
  for (const e of r.epochs) {
    const v = e.metrics[r.objective];
    if (v === undefined) continue;
    if (best === undefined || (r.direction === 'max' ? v > best : v < best)) [best, bestEpoch] = [v, e.epoch];
  }
  return await storage.appendTrial(studyId, {
    ...item,
    trial: { ...item.trial, score: r.score, bestEpoch, finishedAt: item.trial.startedAt, seconds: 0 },
    epochs: r.epochs,
  });
}

function appended(values: Values, status: 'waiting' | 'complete'): TrialAppend {
  return {
    trial: {
      status,
      values,
      score: null,
      bestEpoch: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      seconds: null,
      error: null,
      schedule: null,
      // Neither has run here: a waiting trial's first start makes it 1.
      attempt: 0,
    },
    epochs: [],
    attempts: [],
    checkpoints: [],
  };
}
