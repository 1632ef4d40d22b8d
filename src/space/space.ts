import type { Rng } from '../random/rng.js';
import { fromUnit, toUnit } from './encoding.js';
import { ConditionGraph } from './condition-graph.js';
import { countValueSets, type ValueSetCount } from './count.js';
import { defaultValue, discreteValues, type Hyperparameter, type Value, type Values } from './hyperparameter.js';

/**
 * A search space: hyperparameters in declaration order (parents before children), with
 * conditions. Oracles see it through `sample`, `encode` and `decode`, which move between a
 * trial's active values and a point of the unit cube, one dimension per hyperparameter.
 */
export class Space {
  /** Each name's first declaration (see `repeated` for the names declared more than once). */
  readonly byName: Map<string, Hyperparameter>;
  /**
   * Names declared more than once, under conditions that cannot both hold (KerasTuner's
   * test_parent_name): at most one of them is active, so a trial's values stay keyed by name.
   */
  readonly repeated: Set<string>;
  /** The conditions as a graph, for the checks and counts that reason over them. */
  readonly graph: ConditionGraph;

  constructor(readonly hyperparameters: Hyperparameter[]) {
    this.byName = new Map();
    this.repeated = new Set();
    for (const hp of hyperparameters) {
      if (this.byName.has(hp.name)) this.repeated.add(hp.name);
      else this.byName.set(hp.name, hp);
    }
    this.graph = new ConditionGraph(hyperparameters);
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
    const values = emptyValues();
    for (const hp of this.hyperparameters) {
      if (!this.isActive(hp, values)) continue;
      values[hp.name] = fromUnit(hp, rng.next());
    }
    return values;
  }

  /** A point of [0, 1]^d; inactive hyperparameters sit at their default's position. */
  encode(values: Values): number[] {
    // Activity, not presence: a repeated name's value belongs to its active declaration only.
    return this.hyperparameters.map((hp) => toUnit(hp, this.isActive(hp, values) ? (values[hp.name] ?? defaultValue(hp)) : defaultValue(hp)));
  }

  /** The active values that a point of [0, 1]^d stands for. */
  decode(point: number[]): Values {
    const values = emptyValues();
    this.hyperparameters.forEach((hp, i) => {
      if (this.isActive(hp, values)) values[hp.name] = fromUnit(hp, point[i]!);
    });
    return values;
  }

  /** A canonical text of a values set, equal for equal trials whatever the key order. */
  key(values: Values): string {
    const names = [...new Set(this.hyperparameters.map((hp) => hp.name))];
    return JSON.stringify(names.filter((name) => name in values).map((name) => [name, values[name]]));
  }

  /** How many distinct active value sets exist: exact, a lower bound past COUNT_CAP, or continuous. */
  count(): ValueSetCount {
    return countValueSets(this.graph);
  }

  /** The exact count as a number, or Infinity when it is continuous or not exactly known. */
  cardinality(): number {
    const c = this.count();
    return c.kind === 'exact' ? Number(c.n) : Infinity;
  }

  /**
   * Every distinct active value set, or undefined when there are more than `limit` (or a
   * continuous float). Lets oracles treat small spaces exactly. Counts first, so a large space
   * costs no listing; lists by backtracking, without recursion.
   */
  enumerate(limit: number): Values[] | undefined {
    const c = this.count();
    if (c.kind !== 'exact' || c.n > BigInt(limit)) return undefined;
    const hps = this.hyperparameters;
    const all: Values[] = [];
    if (hps.length === 0) return [emptyValues()];
    const chosen: (Value | undefined)[] = new Array(hps.length);
    const options: (Value | undefined)[][] = [];
    const next: number[] = [];
    const enter = (d: number): void => {
      const hp = hps[d]!;
      const active = Object.entries(hp.when ?? {}).every(([parent, allowed]) => {
        const v = chosen[this.graph.index.get(parent)!];
        return v !== undefined && allowed.some((a) => a === v);
      });
      options[d] = active ? discreteValues(hp)! : [undefined];
      next[d] = 0;
    };
    enter(0);
    for (let d = 0; d >= 0;) {
      if (next[d]! >= options[d]!.length) {
        chosen[d--] = undefined;
        continue;
      }
      chosen[d] = options[d]![next[d]!++];
      if (d < hps.length - 1) enter(++d);
      else {
        const values = emptyValues();
        hps.forEach((hp, i) => {
          if (chosen[i] !== undefined) values[hp.name] = chosen[i]!;
        });
        all.push(values);
      }
    }
    return all;
  }
}

/** A values object without a prototype: no key, whatever its name, reaches Object.prototype. */
export function emptyValues(): Values {
  return Object.create(null) as Values;
}
