import type { Rng } from '../random/rng.js';
import { fromUnit, toUnit } from './encoding.js';
import { defaultValue, discreteValues, type Hyperparameter, type Values } from './hyperparameter.js';

/**
 * A search space: hyperparameters in declaration order (parents before children), with
 * conditions. Oracles see it through `sample`, `encode` and `decode`, which move between a
 * trial's active values and a point of the unit cube, one dimension per hyperparameter.
 */
export class Space {
  readonly byName: Map<string, Hyperparameter>;

  constructor(readonly hyperparameters: Hyperparameter[]) {
    this.byName = new Map(hyperparameters.map((hp) => [hp.name, hp]));
  }

  get dimensions(): number {
    return this.hyperparameters.length;
  }

  /** True when every parent in `hp.when` is active with an allowed value in `values`. */
  isActive(hp: Hyperparameter, values: Values): boolean {
    if (!hp.when) return true;
    return Object.entries(hp.when).every(([parent, allowed]) => {
      const v = values[parent];
      return v !== undefined && allowed.some((a) => a === v);
    });
  }

  /** Random active values: each active hyperparameter drawn uniformly (log-uniform when asked). */
  sample(rng: Rng): Values {
    const values: Values = {};
    for (const hp of this.hyperparameters) {
      if (!this.isActive(hp, values)) continue;
      values[hp.name] = fromUnit(hp, rng.next());
    }
    return values;
  }

  /** A point of [0, 1]^d; inactive hyperparameters sit at their default's position. */
  encode(values: Values): number[] {
    return this.hyperparameters.map((hp) => toUnit(hp, values[hp.name] ?? defaultValue(hp)));
  }

  /** The active values that a point of [0, 1]^d stands for. */
  decode(point: number[]): Values {
    const values: Values = {};
    this.hyperparameters.forEach((hp, i) => {
      if (this.isActive(hp, values)) values[hp.name] = fromUnit(hp, point[i]!);
    });
    return values;
  }

  /** A canonical text of a values set, equal for equal trials whatever the key order. */
  key(values: Values): string {
    return JSON.stringify(this.hyperparameters.filter((hp) => hp.name in values).map((hp) => [hp.name, values[hp.name]]));
  }

  /** How many distinct active value sets exist, or Infinity when a float is continuous. */
  cardinality(): number {
    let count = 0;
    const complete = this.walk(() => {
      count++;
      return true;
    });
    return complete ? count : Infinity;
  }

  /**
   * Every distinct active value set, or undefined when there are more than `limit` (or a
   * continuous float). Lets oracles treat small spaces exactly.
   */
  enumerate(limit: number): Values[] | undefined {
    const all: Values[] = [];
    const complete = this.walk((values) => {
      all.push(values);
      return all.length <= limit;
    });
    return complete ? all : undefined;
  }

  /** Visits every active value set until `visit` returns false; false when stopped or infinite. */
  private walk(visit: (values: Values) => boolean): boolean {
    const step = (i: number, values: Values): boolean => {
      if (i === this.hyperparameters.length) return visit(values);
      const hp = this.hyperparameters[i]!;
      if (!this.isActive(hp, values)) return step(i + 1, values);
      const options = discreteValues(hp);
      if (!options) return false;
      return options.every((v) => step(i + 1, { ...values, [hp.name]: v }));
    };
    return step(0, {});
  }
}
