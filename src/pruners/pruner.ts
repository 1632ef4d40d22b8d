import type { Direction } from '../domain/direction.js';

export const PRUNER_KINDS = ['none', 'median', 'percentile', 'asha'] as const;
export type PrunerKind = (typeof PRUNER_KINDS)[number];

/** Optuna's PercentilePruner settings; median is percentile 50. Steps are epochs. */
export interface PercentileSettings {
  /** No trial is pruned until this many trials are complete. */
  nStartupTrials: number;
  /** The first this many epochs of every trial are never pruned. */
  nWarmupSteps: number;
  /** After the warm-up, a trial is judged every this many epochs. */
  intervalSteps: number;
  /** A judgement needs at least this many complete trials with a value at that epoch. */
  nMinTrials: number;
}

/** ASHA (asynchronous successive halving): rung r is reached at epoch minResource * reductionFactor^r. */
export interface AshaSettings {
  reductionFactor: number;
  minResource: number;
}

/** The space file's `tuner.pruner`, checked and with its defaults filled in. */
export type PrunerSpec =
  | { kind: 'none' }
  | ({ kind: 'median' } & PercentileSettings)
  | ({ kind: 'percentile'; percentile: number } & PercentileSettings)
  | ({ kind: 'asha' } & AshaSettings);

/** Defaults of each pruner's options, Optuna's where it has one. */
export const PRUNER_DEFAULTS = {
  nStartupTrials: 5,
  nWarmupSteps: 0,
  intervalSteps: 1,
  nMinTrials: 1,
  percentile: 25,
  reductionFactor: 3,
  minResource: 1,
};

/** A trial as pruners see it: how it stands, and its intermediate objective per epoch. */
export interface CurveTrial {
  number: number;
  /** Only 'complete' and 'pruned' trials are done; every other status is still training. */
  status: 'running' | 'complete' | 'pruned';
  /** values[e - 1]: the trial's intermediate objective after epoch e (mean over its executions). */
  values: readonly number[];
}

/** What a pruner is asked at the end of one epoch of one trial. */
export interface PruneQuestion {
  direction: Direction;
  /** The trial being judged; `trial.values.length` is the epoch just ended. */
  trial: CurveTrial;
  /** Every other trial of the study that has reported at least one epoch, in any status. */
  others: readonly CurveTrial[];
}

/**
 * Decides whether a trial stops early, judged against the study's other trials (Optuna's
 * BasePruner.prune). The main thread's PruningBoard calls it once per trial per epoch end,
 * after every execution of the trial reported that epoch. Returns true to prune the trial now.
 * It must be a pure function of the question, so that any process asking the same question of
 * the same history gets the same answer; it never throws.
 */
export interface Pruner {
  readonly kind: PrunerKind;
  prune(question: PruneQuestion): boolean;
}

/** A trial's best value up to each epoch, the objective's way (Optuna's best intermediate result). */
export function bestSoFar(direction: Direction, values: readonly number[]): number {
  let best = NaN;
  for (const v of values) if (Number.isNaN(best) || (direction === 'max' ? v > best : v < best)) best = v;
  return best;
}

/** A pruner of `kind` with every option at its default (`tune run --pruner KIND`). */
export function defaultPruner(kind: PrunerKind): PrunerSpec {
  const d = PRUNER_DEFAULTS;
  const percentile = { nStartupTrials: d.nStartupTrials, nWarmupSteps: d.nWarmupSteps, intervalSteps: d.intervalSteps, nMinTrials: d.nMinTrials };
  switch (kind) {
    case 'none':
      return { kind };
    case 'median':
      return { kind, ...percentile };
    case 'percentile':
      return { kind, percentile: d.percentile, ...percentile };
    case 'asha':
      return { kind, reductionFactor: d.reductionFactor, minResource: d.minResource };
  }
}
