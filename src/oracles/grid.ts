import type { Values } from '../space/hyperparameter.js';
import { defaultValue, discreteValues, type Hyperparameter } from '../space/hyperparameter.js';
import type { Space } from '../space/space.js';
import { fromUnit } from '../space/encoding.js';
import { asProposal, type Oracle, type Proposal, type ProposalContext } from './oracle.js';

/** Points a float without `step` contributes to the grid (KerasTuner's). */
export const GRID_FLOAT_POINTS = 10;

/**
 * Grid search: the defaults first, then every combination in odometer order (the last
 * hyperparameter turns fastest), skipping inactive ones and anything tried. The study ends
 * when the grid is done. Deterministic: the seed plays no part.
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

  /** The number of points of the grid (defaults excluded when they are also a combination). */
  size(): number {
    let n = 0;
    for (const _ of this.combinations()) n++;
    return n;
  }

  private *order(): Generator<Values> {
    yield this.defaults();
    yield* this.combinations();
  }

  private defaults(): Values {
    const values: Values = {};
    for (const hp of this.space.hyperparameters) if (this.space.isActive(hp, values)) values[hp.name] = defaultValue(hp);
    return values;
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
          delete values[hp.name];
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
        delete values[hps[i]!.name];
      }
      if (i < 0) return;
      values[hps[i]!.name] = wheels[i]![++at[i]!]!;
      i++;
    }
  }
}

/** The grid's values of one hyperparameter: its discrete values, or 10 evenly spread floats. */
export function gridValues(hp: Hyperparameter): Values[string][] {
  const discrete = discreteValues(hp);
  if (discrete) return discrete;
  // Evenly spread in the hyperparameter's own sampling (log kinds spread in log space).
  return Array.from({ length: GRID_FLOAT_POINTS }, (_, k) => fromUnit(hp, k / (GRID_FLOAT_POINTS - 1)));
}
