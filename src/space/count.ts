import type { ConditionGraph } from './condition-graph.js';
import type { Value } from './hyperparameter.js';

/** Counts above this are reported as "more than" it. */
export const COUNT_CAP = 10n ** 15n;

/** Steps that listing the groups with several-parent conditions may take, all together, before they are bounded. */
const MAX_LISTING_STEPS = 200_000;

/** How many distinct active value sets a space has: exactly, a lower bound, or endless. */
export type ValueSetCount = { kind: 'exact'; n: bigint } | { kind: 'more-than'; n: bigint } | { kind: 'continuous' };

type Count = { n: bigint; exact: boolean } | 'continuous';

const ONE: Count = { n: 1n, exact: true };

function capped(n: bigint, exact: boolean): Count {
  return n > COUNT_CAP ? { n: COUNT_CAP, exact: false } : { n, exact };
}

// A count that is not exact is a strict lower bound; sums and products of counts >= 1 keep it one.
function times(a: Count, b: Count): Count {
  if (a === 'continuous' || b === 'continuous') return 'continuous';
  return capped(a.n * b.n, a.exact && b.exact);
}

function plus(a: Count, b: Count): Count {
  if (a === 'continuous' || b === 'continuous') return 'continuous';
  return capped(a.n + b.n, a.exact && b.exact);
}

/**
 * Counts the value sets of a space by its condition structure. Groups of hyperparameters
 * tied by conditions are independent, so the total is a product over groups. A group in
 * which every hyperparameter has at most one parent is a tree, counted bottom-up:
 *   count(h) = sum over h's values v of the product of count(c) over the children c that v activates.
 * A group with several-parent conditions is listed, up to MAX_LISTING_STEPS, then bounded.
 * Called by Space.count.
 */
export function countValueSets(graph: ConditionGraph): ValueSetCount {
  const n = graph.hyperparameters.length;
  const group = groups(graph);
  const tangled = new Set<number>();
  for (let i = 0; i < n; i++) if (graph.edges[i]!.length > 1) tangled.add(group[i]!);

  const counts: Count[] = new Array<Count>(n);
  const children: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) for (const e of graph.edges[i]!) children[e.parent]!.push(i);
  let total: Count = ONE;
  // Children are declared after their parents, so reverse order sees every child first.
  for (let h = n - 1; h >= 0; h--) {
    if (tangled.has(group[h]!)) continue;
    if (children[h]!.length === 0) {
      counts[h] = ownCount(graph, h);
    } else {
      const values = graph.values(h);
      const byValue = new Map<Value, Count>();
      for (const c of children[h]!) for (const v of graph.edges[c]![0]!.allowed) byValue.set(v, times(byValue.get(v) ?? ONE, counts[c]!));
      let sum: Count = capped(BigInt(values.length - byValue.size), true);
      for (const c of byValue.values()) sum = plus(sum, c);
      counts[h] = sum;
    }
    if (graph.edges[h]!.length === 0) total = times(total, counts[h]!);
  }
  const budget = { steps: MAX_LISTING_STEPS };
  for (const g of tangled) total = times(total, listGroup(graph, group, g, budget));
  if (total === 'continuous') return { kind: 'continuous' };
  return total.exact ? { kind: 'exact', n: total.n } : { kind: 'more-than', n: total.n };
}

/**
 * How many values hyperparameter `h` takes: its list's length, or for a range too long to
 * list, the length of its grid by arithmetic; continuous for a float without step.
 */
function ownCount(graph: ConditionGraph, h: number): Count {
  const listed = graph.values(h);
  if (listed.length > 0) return capped(BigInt(listed.length), true);
  const hp = graph.hyperparameters[h]!;
  if (hp.type !== 'int' && hp.type !== 'float') return ONE;
  const step = hp.step ?? (hp.type === 'int' ? 1 : undefined);
  if (step === undefined) return 'continuous';
  const points = hp.step !== undefined && hp.sampling !== 'linear' ? Math.log(hp.max / hp.min) / Math.log(step) : (hp.max - hp.min) / step;
  return capped(BigInt(Math.floor(points + 1e-9)) + 1n, true);
}

/** The connected groups of the condition graph (union-find, iterative). */
function groups(graph: ConditionGraph): number[] {
  const parent = graph.hyperparameters.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[i] !== r) [i, parent[i]] = [parent[i]!, r];
    return r;
  };
  graph.edges.forEach((edges, i) => {
    for (const e of edges) parent[find(i)] = find(e.parent);
  });
  return parent.map((_, i) => find(i));
}

/**
 * Lists one group's value sets by backtracking (no recursion) while the shared budget lasts;
 * then bounds it from below: by what it listed, or by its root's values alone.
 */
function listGroup(graph: ConditionGraph, group: number[], g: number, budget: { steps: number }): Count {
  const members = group.flatMap((x, i) => (x === g ? [i] : []));
  const root = ownCount(graph, members[0]!);
  if (budget.steps <= 0) return root === 'continuous' ? root : capped(root.n - 1n, false);
  const value: (Value | undefined)[] = new Array(graph.hyperparameters.length);
  const options: (Value | undefined)[][] = [];
  const next: number[] = [];
  // A member too long to list (a wide int range) is never a parent: it multiplies instead.
  const weight: Count[] = [];
  let leaves: Count = { n: 0n, exact: true };
  const enter = (d: number): boolean => {
    const h = members[d]!;
    const active = graph.edges[h]!.every((e) => value[e.parent] !== undefined && e.allowed.has(value[e.parent]!));
    const vals = graph.values(h);
    const own = active && vals.length === 0 ? ownCount(graph, h) : ONE;
    if (own === 'continuous') return false;
    options[d] = active && vals.length > 0 ? vals : [active ? 0 : undefined];
    weight[d] = times(d === 0 ? ONE : weight[d - 1]!, own);
    next[d] = 0;
    return true;
  };
  if (!enter(0)) return 'continuous';
  let d = 0;
  while (d >= 0) {
    if (next[d]! >= options[d]!.length) {
      value[members[d]!] = undefined;
      d--;
      continue;
    }
    value[members[d]!] = options[d]![next[d]!++];
    if (d === members.length - 1) {
      leaves = plus(leaves, weight[d]!);
      continue;
    }
    if (--budget.steps < 0) {
      if (leaves === 'continuous' || root === 'continuous') return 'continuous';
      return capped(leaves.n > root.n - 1n ? leaves.n : root.n - 1n, false);
    }
    d++;
    if (!enter(d)) return 'continuous';
  }
  return leaves;
}
