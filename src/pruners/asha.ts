import { bestSoFar, type AshaSettings, type Pruner, type PruneQuestion } from './pruner.js';

/**
 * Asynchronous successive halving (Li et al.'s ASHA, Optuna's SuccessiveHalvingPruner): rung r
 * is reached at epoch minResource * reductionFactor^r. A trial that reaches a rung goes on only
 * when its best value so far is in the top 1/reductionFactor of the values of every trial that
 * has reached that rung so far, itself included; it is pruned otherwise. Promotion never waits
 * for a rung to fill, so the first trials at a rung, fewer than reductionFactor of them, go on
 * only when they lead it (as Optuna does, having no way to pause a trial).
 */
export class AshaPruner implements Pruner {
  readonly kind = 'asha';

  constructor(private readonly settings: AshaSettings) {}

  /** The epoch of rung r. */
  rungEpoch(r: number): number {
    return this.settings.minResource * this.settings.reductionFactor ** r;
  }

  prune({ direction, trial, others }: PruneQuestion): boolean {
    const epoch = trial.values.length;
    const rung = this.rungAt(epoch);
    if (rung === undefined) return false;
    const value = bestSoFar(direction, trial.values);
    if (Number.isNaN(value)) return true;
    const competing = [value];
    for (const t of others) if (t.values.length >= epoch) competing.push(bestSoFar(direction, t.values.slice(0, epoch)));
    const eta = this.settings.reductionFactor;
    const kept = Math.max(1, Math.floor(competing.length / eta));
    competing.sort(direction === 'max' ? (a, b) => b - a : (a, b) => a - b);
    const worstKept = competing[kept - 1]!;
    return direction === 'max' ? value < worstKept : value > worstKept;
  }

  /** The rung whose epoch `epoch` is, or undefined between rungs. */
  private rungAt(epoch: number): number | undefined {
    for (let r = 0; this.rungEpoch(r) <= epoch; r++) if (this.rungEpoch(r) === epoch) return r;
    return undefined;
  }
}
