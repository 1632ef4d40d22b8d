import { createHash } from 'node:crypto';
import type { FoldRows, StudyFolds } from '../domain/folds.js';
import { Rng } from '../random/rng.js';

/**
 * The generator of a study's folds: its own stream, so that the folds do not move with the
 * oracle's or the trials' draws, which start from the same study seed.
 */
const foldRng = (seed: number): Rng => new Rng((Math.imul(seed + 1, 0x27d4eb2d) ^ 0x5f356495) >>> 0);

/**
 * The fold (0-based) of every row of `labels`, drawn from `seed`. Plain: the rows shuffled,
 * then dealt to the folds in turn, so fold sizes differ by at most one. Stratified: each class's
 * rows shuffled and dealt the same way, each class starting where the one before stopped, so
 * that in every fold each class's count differs by at most one from its share, and fold sizes
 * still differ by at most one. The caller has checked that there are enough rows (checkFolds).
 */
export function assignFolds(labels: Int32Array, k: number, stratified: boolean, seed: number): Int32Array {
  const rng = foldRng(seed);
  const fold = new Int32Array(labels.length);
  const groups = stratified ? byClass(labels) : [Array.from(labels, (_, i) => i)];
  let next = 0;
  for (const rows of groups) {
    rng.shuffle(rows);
    for (const row of rows) {
      fold[row] = next;
      next = (next + 1) % k;
    }
  }
  return fold;
}

/** Row indices of each class present, in class order. */
function byClass(labels: Int32Array): number[][] {
  const groups = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const rows = groups.get(label);
    if (rows) rows.push(i);
    else groups.set(label, [i]);
  });
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, rows]) => rows);
}

/** sha256 of row indices written in decimal, ascending, joined by commas. */
export function foldDigest(rows: Int32Array): string {
  return createHash('sha256').update(Array.from(rows).join(',')).digest('hex');
}

/** The folds of `labels` as storage records them: each fold's rows, ascending, with its count and digest. */
export function studyFolds(labels: Int32Array, k: number, stratified: boolean, seed: number): StudyFolds {
  const assignment = assignFolds(labels, k, stratified, seed);
  const members: number[][] = Array.from({ length: k }, () => []);
  assignment.forEach((f, row) => members[f]!.push(row));
  const folds: FoldRows[] = members.map((rows, i) => {
    const sorted = Int32Array.from(rows);
    return { fold: i + 1, count: sorted.length, sha256: foldDigest(sorted), rows: sorted };
  });
  return { seed, stratified, folds };
}
