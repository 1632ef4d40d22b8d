import { discreteValues, type Hyperparameter, type Value } from './hyperparameter.js';

/** One `when` entry of a hyperparameter: its parent and the parent's allowed values. */
export interface Edge {
  /** The parent's index in declaration order (always before the child's). */
  parent: number;
  allowed: ReadonlySet<Value>;
  /** The allowed values are all the parent's values: the entry only asks that the parent be active. */
  full: boolean;
}

/**
 * The conditions of a space as a graph over declaration indices, built once: each
 * hyperparameter's edges to its parents, and which hyperparameters are active in every
 * value set. The activity checker and the counter read it; nothing here enumerates.
 */
export class ConditionGraph {
  readonly edges: Edge[][];
  readonly index: Map<string, number>;
  /** Active whatever the other values are (no condition, or only conditions that always hold). */
  readonly always: boolean[];

  constructor(readonly hyperparameters: readonly Hyperparameter[]) {
    this.index = new Map(hyperparameters.map((hp, i) => [hp.name, i]));
    this.edges = hyperparameters.map((hp) =>
      Object.entries(hp.when ?? {}).map(([parent, allowed]) => {
        const p = this.index.get(parent)!;
        const set = new Set(allowed);
        return { parent: p, allowed: set, full: set.size === (discreteValues(hyperparameters[p]!)?.length ?? -1) };
      }),
    );
    // Parents come first, so one pass in declaration order settles every hyperparameter.
    this.always = [];
    for (let i = 0; i < hyperparameters.length; i++) this.always.push(this.edges[i]!.every((e) => e.full && this.always[e.parent]!));
  }

  /** The hyperparameter's discrete values (validation made every parent discrete). */
  values(i: number): Value[] {
    return discreteValues(this.hyperparameters[i]!) ?? [];
  }
}
