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
  private order: Values[] | undefined;

  constructor(private readonly space: Space) {}

  propose(context: ProposalContext): Proposal | undefined {
    return asProposal(this.next(context));
  }

  private next(context: ProposalContext): Values | undefined {
    this.order ??= [this.defaults(), ...this.combinations()];
    return this.order.find((values) => !context.tried.has(this.space.key(values)));
  }

  /** The number of points of the grid (defaults excluded when they are also a combination). */
  size(): number {
    return this.combinations().length;
  }

  private defaults(): Values {
    const values: Values = {};
    for (const hp of this.space.hyperparameters) if (this.space.isActive(hp, values)) values[hp.name] = defaultValue(hp);
    return values;
  }

  private combinations(): Values[] {
    const out: Values[] = [];
    const walk = (i: number, values: Values): void => {
      if (i === this.space.hyperparameters.length) {
        out.push(values);
        return;
      }
      const hp = this.space.hyperparameters[i]!;
      if (!this.space.isActive(hp, values)) return walk(i + 1, values);
      for (const v of gridValues(hp)) walk(i + 1, { ...values, [hp.name]: v });
    };
    walk(0, {});
    return out;
  }
}

/** The grid's values of one hyperparameter: its discrete values, or 10 evenly spread floats. */
export function gridValues(hp: Hyperparameter): Values[string][] {
  const discrete = discreteValues(hp);
  if (discrete) return discrete;
  // Evenly spread in the hyperparameter's own sampling (log kinds spread in log space).
  return Array.from({ length: GRID_FLOAT_POINTS }, (_, k) => fromUnit(hp, k / (GRID_FLOAT_POINTS - 1)));
}
