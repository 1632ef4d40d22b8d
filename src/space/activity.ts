import { defaultValue, type Value, type Values } from './hyperparameter.js';
import type { ConditionGraph } from './condition-graph.js';

/** How many hyperparameters a witness shows at most: the ones nearest the broken condition. */
const MAX_WITNESS_KEYS = 8;

/** A failed proof: in some value set the context allows, `child` is inactive because of `parent`. */
export interface Gap {
  child: number;
  parent: number;
  allowed: ReadonlySet<Value>;
}

/**
 * What a layer may assume when it is built: a conjunction of literals `value(h) in S`. Each
 * hyperparameter's activity is itself such a conjunction (its own `when` and its parents'),
 * so "built implies active" is decided edge by edge, without listing value sets: a restricting
 * `when` entry holds everywhere in the context exactly when the context pins that parent to
 * allowed values; an entry that allows every value only asks that the parent be active.
 */
export class ActivityContext {
  /** Hyperparameters active in every value set of the context (the literals' ancestors). */
  private readonly inside: Uint8Array;
  /** The values each constrained hyperparameter may take in the context. */
  private readonly sets = new Map<number, Set<Value>>();
  /** Hyperparameters already proven active in the context (a proof holds in stronger contexts too). */
  private readonly proven: Uint8Array;

  /** `literals`: hyperparameters (by index) pinned to the given values; none: every value set. */
  constructor(
    private readonly graph: ConditionGraph,
    literals: [number, ReadonlySet<Value>][],
  ) {
    const n = graph.hyperparameters.length;
    this.inside = new Uint8Array(n);
    this.proven = new Uint8Array(n);
    const stack = literals.map(([i]) => i);
    while (stack.length > 0) {
      const h = stack.pop()!;
      if (this.inside[h]) continue;
      this.inside[h] = 1;
      for (const e of graph.edges[h]!) {
        if (!e.full) this.restrict(e.parent, e.allowed);
        stack.push(e.parent);
      }
    }
    for (const [i, allowed] of literals) this.restrict(i, allowed);
  }

  /**
   * Narrows hyperparameter `i` to `allowed` too: a literal, or the repeat count of one
   * repetition, which the caller has proven active in the context first.
   */
  restrict(i: number, allowed: ReadonlySet<Value>): void {
    const old = this.sets.get(i);
    this.sets.set(i, new Set([...(old ?? allowed)].filter((v) => allowed.has(v))));
  }

  /** False when no value set satisfies the context (a layer that is never built). */
  satisfiable(): boolean {
    for (const set of this.sets.values()) if (set.size === 0) return false;
    return true;
  }

  /** The values hyperparameter `i` may take in the context. */
  valuesOf(i: number): Value[] {
    const set = this.sets.get(i);
    return set ? [...set] : this.graph.values(i);
  }

  /**
   * Proves that hyperparameter `target` is active in every value set of the context, walking
   * its conditions upward with an explicit stack. Returns undefined when it is, or the first
   * `when` entry that can fail.
   */
  gap(target: number): Gap | undefined {
    const stack = [target];
    while (stack.length > 0) {
      const h = stack.pop()!;
      if (this.inside[h] || this.proven[h] || this.graph.always[h]) continue;
      for (const e of this.graph.edges[h]!) {
        if (e.full) {
          stack.push(e.parent);
          continue;
        }
        // Only hyperparameters active throughout the context are ever pinned.
        const pinned = this.sets.get(e.parent);
        if (pinned === undefined || [...pinned].some((v) => !e.allowed.has(v))) return { child: h, parent: e.parent, allowed: e.allowed };
      }
      this.proven[h] = 1;
    }
    return undefined;
  }

  /**
   * A value set of the context in which the gap's child is inactive, as JSON of the
   * hyperparameters nearest the broken condition: what a message shows the user.
   */
  witness(gap: Gap): string {
    const { hyperparameters } = this.graph;
    const values: Values = Object.create(null) as Values;
    const isActive = new Uint8Array(hyperparameters.length);
    const active: number[] = [];
    hyperparameters.forEach((hp, i) => {
      if (!this.graph.edges[i]!.every((e) => isActive[e.parent] && e.allowed.has(values[hyperparameters[e.parent]!.name]!))) return;
      const options = this.valuesOf(i);
      const outside = i === gap.parent ? options.filter((v) => !gap.allowed.has(v)) : [];
      const preferred = options.includes(defaultValue(hp)) ? defaultValue(hp) : options[0]!;
      values[hp.name] = outside[0] ?? preferred;
      isActive[i] = 1;
      active.push(i);
    });
    // A small space shows the whole value set; a large one the part nearest the broken entry.
    const above = new Uint8Array(hyperparameters.length);
    for (const stack = [gap.child]; stack.length > 0;) {
      const h = stack.pop()!;
      if (above[h]) continue;
      above[h] = 1;
      for (const e of this.graph.edges[h]!) stack.push(e.parent);
    }
    const near =
      active.length <= MAX_WITNESS_KEYS
        ? active
        : active
            .filter((i) => this.inside[i] || this.sets.has(i) || above[i] || i === gap.parent)
            .sort((a, b) => Math.abs(a - gap.parent) - Math.abs(b - gap.parent))
            .slice(0, MAX_WITNESS_KEYS)
            .sort((a, b) => a - b);
    const shown = Object.create(null) as Record<string, Value>;
    for (const i of near) shown[hyperparameters[i]!.name] = values[hyperparameters[i]!.name]!;
    return JSON.stringify(shown);
  }
}
