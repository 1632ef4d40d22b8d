import { bestSoFar, type PercentileSettings, type Pruner, type PruneQuestion } from './pruner.js';

/**
 * Optuna's PercentilePruner, with epochs for steps: after the startup trials and the warm-up,
 * at the first epoch of each interval, a trial whose best value so far falls outside the best
 * `percentile` per cent of the complete trials' values at the same epoch is pruned. The median
 * pruner is this one at 50.
 */
export class PercentilePruner implements Pruner {
  constructor(
    readonly kind: 'median' | 'percentile',
    private readonly settings: PercentileSettings & { percentile: number },
  ) {}

  prune({ direction, trial, others }: PruneQuestion): boolean {
    const { nStartupTrials, nWarmupSteps, intervalSteps, nMinTrials, percentile } = this.settings;
    const complete = others.filter((t) => t.status === 'complete');
    if (complete.length === 0 || complete.length < nStartupTrials) return false;
    const epoch = trial.values.length;
    // Optuna counts steps from 0: epoch e is its step e - 1.
    const step = epoch - 1;
    if (step < nWarmupSteps || (step - nWarmupSteps) % intervalSteps !== 0) return false;
    const best = bestSoFar(direction, trial.values);
    if (Number.isNaN(best)) return true;
    const atEpoch = complete.map((t) => t.values[epoch - 1]).filter((v): v is number => v !== undefined && !Number.isNaN(v));
    if (atEpoch.length === 0 || atEpoch.length < nMinTrials) return false;
    // `percentile` is the share of trials kept (Optuna's reading): when maximising they sit above the cut.
    const cut = interpolated(atEpoch, direction === 'max' ? 100 - percentile : percentile);
    return direction === 'max' ? best < cut : best > cut;
  }
}

/** The p-th percentile of `values` with linear interpolation between ranks (numpy's default). */
export function interpolated(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}
