import type { ExecutionSettings } from '../execution.js';
import { batchRows } from '../rows.js';
import { KIND, type Kind, type MemberRows } from './tail.js';

/** The first layer's optimizer kind for columns that sit a batch out (native/first_layer.c). */
const FROZEN = 4;

/**
 * Per training batch, the rows each member keeps (see rows.ts) in the tail's layout, or
 * undefined for every batch when no member has weights of its own. Built once per pack.
 */
export function trainRowLists(settings: readonly ExecutionSettings[], blocks: readonly { begin: number; end: number }[]): (MemberRows | undefined)[] {
  if (!settings.some((s) => s.trainWeights)) return blocks.map(() => undefined);
  return blocks.map(({ begin, end }) => {
    const lists = settings.map((s) => (s.trainWeights ? batchRows(s.trainWeights, begin, end) : undefined));
    return rowLists(
      lists.map((l) => l?.index),
      lists.map((l) => l?.weights),
    );
  });
}

/** The validation rows of each member in the tail's layout, or undefined when every member takes them all. */
export function validRowLists(settings: readonly ExecutionSettings[]): MemberRows | undefined {
  if (!settings.some((s) => s.validRows)) return undefined;
  return rowLists(
    settings.map((s) => s.validRows),
    settings.map(() => undefined),
  );
}

function rowLists(index: (Int32Array | undefined)[], weights: (Float32Array | undefined)[]): MemberRows {
  const total = index.reduce((n, l) => n + (l?.length ?? 0), 0);
  const out: MemberRows = { index: new Int32Array(total), weights: new Float32Array(total).fill(1), at: new Int32Array(2 * index.length) };
  let p = 0;
  index.forEach((list, i) => {
    if (!list) {
      out.at.set([-1, 0], 2 * i);
      return;
    }
    out.index.set(list, p);
    if (weights[i]) out.weights.set(weights[i]!, p);
    out.at.set([p, list.length], 2 * i);
    p += list.length;
  });
  return out;
}

/** What the first layer's column groups read of a member. */
export interface GroupMember {
  readonly col: number;
  readonly width: number;
  readonly kind: Kind;
  readonly hyper: [number, number, number];
}

/**
 * The first layer's column groups ([begin, end, kind] each) and their constants, members in
 * column order: neighbours with one optimizer make one long group; members in `frozen` (they
 * sit this batch out) make groups that take no step. Each group also takes the padding columns
 * after it, up to the next group or `width` (see packColumns): they have a zero rate and a
 * zero gradient, so no step moves them.
 */
export function columnGroups(order: readonly GroupMember[], width: number, frozen?: ReadonlySet<GroupMember>): { groups: Int32Array; hyper: Float64Array } {
  const key = (m: GroupMember): string => (frozen?.has(m) ? 'frozen' : `${m.kind}|${m.hyper.join()}`);
  const groups: number[] = [];
  const hypers: number[] = [];
  for (const [i, m] of order.entries()) {
    if (i > 0 && key(order[i - 1]!) === key(m)) {
      groups[groups.length - 2] = m.col + m.width;
    } else {
      const still = frozen?.has(m);
      groups.push(m.col, m.col + m.width, still ? FROZEN : KIND[m.kind]);
      hypers.push(...(still ? [0, 0, 0] : m.hyper));
    }
  }
  for (let g = 0; g < groups.length; g += 3) groups[g + 1] = g + 3 < groups.length ? groups[g + 3]! : width;
  return { groups: Int32Array.from(groups), hyper: Float64Array.from(hypers) };
}

/**
 * Places the members (in column order) side by side in the packed first layer and returns its
 * width. A run of members with one optimizer starts on a whole vector of `lanes` floats, and the
 * width is a whole number of vectors, so that the kernels' row loops run without scalar tails
 * (a member's numbers do not depend on where its columns sit).
 */
export function packColumns(order: readonly { col: number; readonly width: number }[], key: (i: number) => string, lanes: number): number {
  const whole = (n: number): number => Math.ceil(n / lanes) * lanes;
  let width = 0;
  for (const [i, m] of order.entries()) {
    if (i > 0 && key(i - 1) !== key(i)) width = whole(width);
    m.col = width;
    width += m.width;
  }
  return whole(width);
}
