import type { Direction } from '../domain/direction.js';
import type { EpochMetrics, TrialRecord } from '../domain/trial.js';
import type { EpochVerdict } from '../pool/executor.js';
import type { CurveTrial, Pruner } from '../pruners/pruner.js';
import type { Storage } from '../storage/storage.js';

/** One trial's curve as it grows: each execution's objective per epoch, and their means once all are in. */
interface Curve extends CurveTrial {
  values: number[];
  /** byExecution[x - 1][e - 1]: execution x's objective at epoch e. */
  byExecution: number[][];
  /** Set once it is pruned, or done: later epochs are recorded but no longer judged. */
  settled: boolean;
}

/**
 * The main thread's table of every trial's intermediate objective by epoch (Optuna's
 * intermediate values), and the pruner that judges a trial on it at each epoch end. The
 * scheduler fills it from storage when the run starts, feeds it each epoch as it comes, and
 * tells it how trials end; it answers each epoch with the verdict the worker waits for.
 */
export class PruningBoard {
  private readonly curves = new Map<number, Curve>();

  constructor(
    private readonly pruner: Pruner,
    private readonly direction: Direction,
    private readonly objective: keyof EpochMetrics,
    private readonly executions: number,
  ) {}

  /** Reads the curves of the study's complete and pruned trials, the history a pruner judges against. */
  async load(storage: Storage, trials: readonly TrialRecord[]): Promise<void> {
    for (const t of trials) {
      if (t.status !== 'complete' && t.status !== 'pruned') continue;
      const curve = this.fresh(t.number, t.status);
      for (const e of await storage.epochs(t.id)) this.record(curve, e.execution, e.epoch, e.metrics[this.objective] ?? NaN);
      curve.settled = true;
    }
  }

  /**
   * Records one execution's epoch of a running trial. Once every execution has reported
   * `epoch`, asks the pruner and returns its verdict; undefined before then, and for a trial
   * already judged pruned (its verdict stands).
   */
  report(number: number, execution: number, epoch: number, metrics: EpochMetrics): EpochVerdict {
    const curve = this.curves.get(number) ?? this.fresh(number, 'running');
    // NaN where the epoch lacks it (an AUC of a one-class split): never better than a number.
    const complete = this.record(curve, execution, epoch, metrics[this.objective] ?? NaN);
    if (!complete || curve.settled) return undefined;
    const others = [...this.curves.values()].filter((c) => c.number !== number && c.values.length > 0);
    const prune = this.pruner.prune({ direction: this.direction, trial: { ...curve, values: curve.values.slice(0, epoch) }, others });
    if (prune) {
      curve.status = 'pruned';
      curve.settled = true;
    }
    return prune ? 'prune' : 'continue';
  }

  /** A trial ended complete or pruned: its curve is part of the history from now on. */
  finished(number: number, status: 'complete' | 'pruned'): void {
    const curve = this.curves.get(number);
    if (curve === undefined) return;
    curve.status = status;
    curve.settled = true;
  }

  /** A trial's attempt ended otherwise (failed, retried, stopped, interrupted): its epochs no longer count. */
  forget(number: number): void {
    this.curves.delete(number);
  }

  private fresh(number: number, status: CurveTrial['status']): Curve {
    const curve: Curve = { number, status, values: [], byExecution: Array.from({ length: this.executions }, () => []), settled: false };
    this.curves.set(number, curve);
    return curve;
  }

  /** Stores one value; true when it completes the trial's epoch `epoch` over all executions. */
  private record(curve: Curve, execution: number, epoch: number, value: number): boolean {
    const row = curve.byExecution[execution - 1];
    if (row === undefined) return false;
    row[epoch - 1] = value;
    if (epoch !== curve.values.length + 1) return false;
    const all = curve.byExecution.map((r) => r[epoch - 1]);
    if (all.some((v) => v === undefined)) return false;
    curve.values.push((all as number[]).reduce((a, b) => a + b, 0) / all.length);
    return true;
  }
}
