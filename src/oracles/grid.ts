import type { Values } from '../space/hyperparameter.js';
import { defaultValue, discreteValues, type Hyperparameter } from '../space/hyperparameter.js';
import type { Space } from '../space/space.js';
import { fromUnit } from '../space/encoding.js';
import { asProposal, type Oracle, type Proposal, type ProposalContext } from './oracle.js';

/** Samples a float without `step` (or an int with log sampling and no step) gives the grid (KerasTuner's). */
export const GRID_FLOAT_POINTS = 10;

/**
 * Grid search as KerasTuner's: each hyperparameter's wheel is its default, then its other
 * values; every combination in odometer order (the last hyperparameter turns fastest), so the
 * first point is the defaults. Inactive hyperparameters are skipped, anything tried too. The
 * study ends when the grid is done. Deterministic: the seed plays no part.
 */
export class GridOracle implements Oracle {
  readonly name = 'grid';
  readonly endReason = 'space-exhausted' as const;
  /** The points handed out so far, in order: one that was never tried is offered again first. */
  private readonly given: Values[] = [];
  private points: Iterator<Values> | undefined;

  constructor(private readonly space: Space) {}

  propose(context: ProposalContext): Proposal | undefined {
    return asProposal(this.next(context));
  }

  private next(context: ProposalContext): Values | undefined {
    const untried = (values: Values): boolean => !context.tried.has(this.space.key(values));
    const again = this.given.find(untried);
    if (again) return again;
    this.points ??= this.order();
    // The grid is walked lazily: a space of thousands of hyperparameters has more points than
    // could ever be listed, and a study only needs the next untried one.
    for (let p = this.points.next(); !p.done; p = this.points.next()) {
      this.given.push(p.value);
      if (untried(p.value)) return p.value;
    }
    return undefined;
  }

  /** The number of points of the grid. */
  size(): number {
    let n = 0;
    for (const _ of this.combinations()) n++;
    return n;
  }

  private *order(): Generator<Values> {
    yield* this.combinations();
  }

  /**
   * Every combination in odometer order, inactive hyperparameters left out. An explicit
   * odometer, not recursion: one level per hyperparameter would overflow the stack on large
   * spaces. A hyperparameter's activity depends only on those before it, so turning a wheel
   * re-decides the activity of every wheel after it.
   */
  private *combinations(): Generator<Values> {
    const hps = this.space.hyperparameters;
    const n = hps.length;
    /** Each wheel's values (undefined: inactive), and the index it shows. */
    const wheels: (Values[string][] | undefined)[] = new Array(n);
    const at = new Int32Array(n);
    const values: Values = {};
    let i = 0;
    for (;;) {
      // Set every wheel from i on to its first value, deciding activity as it goes.
      let dead = false;
      for (; i < n; i++) {
        const hp = hps[i]!;
        if (!this.space.isActive(hp, values)) {
          wheels[i] = undefined;
          // A name declared again under an excluding condition keeps the active declaration's value.
          if (!this.space.repeated.has(hp.name) || !hps.some((other, k) => k < i && other.name === hp.name && wheels[k] !== undefined)) delete values[hp.name];
          continue;
        }
        const options = gridValues(hp);
        wheels[i] = options;
        at[i] = 0;
        if (options.length === 0) {
          dead = true;
          break;
        }
        values[hp.name] = options[0]!;
      }
      if (!dead) yield { ...values };
      // Turn the last wheel that has a value left; those after it start again.
      for (i = dead ? i - 1 : n - 1; i >= 0; i--) {
        const options = wheels[i];
        if (options !== undefined && at[i]! + 1 < options.length) break;
        if (options !== undefined) delete values[hps[i]!.name];
      }
      if (i < 0) return;
      values[hps[i]!.name] = wheels[i]![++at[i]!]!;
      i++;
    }
  }
}

/**
 * One hyperparameter's wheel: its default, then KerasTuner's `values` without the default.
 * Those are the discrete values, except for a float without step and an int with log
 * sampling and no step (or a grid too large to list): the distinct fromUnit(k * 0.1 + 0.05) for k < 10
 * the centres of ten buckets.
 */
export function gridValues(hp: Hyperparameter): Values[string][] {
  const sampled = hp.type === 'float' ? hp.step === undefined : hp.type === 'int' && hp.step === undefined && hp.sampling !== 'linear';
  // A grid too large to list is sampled the same way.
  const listed = (!sampled && discreteValues(hp)) || [...new Set(Array.from({ length: GRID_FLOAT_POINTS }, (_, k) => fromUnit(hp, k * 0.1 + 0.05)))];
  const first = defaultValue(hp);
  return [first, ...listed.filter((v) => v !== first)];
}
