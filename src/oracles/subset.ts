/** How many observations the Bayesian oracle's Gaussian process is fitted on, at most. */
export const MODEL_LIMIT = 64;

/** Of MODEL_LIMIT, the share kept for the best observations and for the most recent ones. */
const BEST_SHARE = 3 / 8;
const RECENT_SHARE = 1 / 8;

/**
 * The observations a bounded model is fitted on: all of them up to `limit`; past it, the best
 * (the region the search exploits), the most recent (so the model knows what it proposed
 * last, and does not propose next to it again), and a spread of the others chosen by
 * farthest-point sampling (so the model still knows which regions were explored and found
 * poor). Deterministic: it depends only on the points and their order, ties go to the earlier
 * trial, so a resumed study gets the same subset. Returns indices in increasing order.
 *
 * `points` are encoded trials, `scores` signed so that higher is better, both in trial order.
 */
export function modelSubset(points: readonly (readonly number[])[], scores: readonly number[], limit = MODEL_LIMIT): number[] {
  const n = points.length;
  if (n <= limit) return Array.from({ length: n }, (_, i) => i);
  const chosen = new Uint8Array(n);
  const picked: number[] = [];
  const take = (i: number): void => {
    chosen[i] = 1;
    picked.push(i);
  };
  const byScore = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const best = Math.floor(limit * BEST_SHARE);
  for (let k = 0; k < best; k++) take(byScore[k]!);
  const recent = Math.floor(limit * RECENT_SHARE);
  for (let i = n - 1, k = 0; i >= 0 && k < recent; i--) {
    if (chosen[i]) continue;
    take(i);
    k++;
  }
  // Farthest-point sampling: each step takes the trial farthest from every one taken so far.
  // One pass per step both lowers each trial's distance to the taken ones and finds the next.
  const d = points[0]!.length;
  const flat = new Float64Array(n * d);
  points.forEach((p, i) => flat.set(p, i * d));
  const nearest = new Float64Array(n).fill(Infinity);
  let far = -1;
  const closer = (from: number): void => {
    const o = from * d;
    far = -1;
    for (let i = 0; i < n; i++) {
      if (chosen[i]) continue;
      let sq = 0;
      for (let j = 0; j < d; j++) sq += (flat[o + j]! - flat[i * d + j]!) ** 2;
      if (sq < nearest[i]!) nearest[i] = sq;
      if (far < 0 || nearest[i]! > nearest[far]!) far = i;
    }
  };
  for (const i of picked) closer(i);
  while (picked.length < limit) {
    take(far);
    closer(far);
  }
  return picked.sort((a, b) => a - b);
}

/**
 * At most `limit` of `items`, evenly spaced through them, first one included: the TPE
 * oracle's bad trials, in score order, so that every stratum of scores keeps its share.
 */
export function evenSubset<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  return Array.from({ length: limit }, (_, k) => items[Math.floor((k * items.length) / limit)]!);
}
