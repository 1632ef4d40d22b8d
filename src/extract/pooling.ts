import type { FeatureMap } from './bases/base.js';
import type { Pooling } from './options.js';

export { POOLINGS, type Pooling } from './options.js';

/** Applies `pooling` to a (n, h, w, c) map; returns a new map (or the same one for none). */
export function pool(map: FeatureMap, pooling: Pooling): FeatureMap {
  if (pooling === 'none') return map;
  const [n, h, w, c] = map.shape;
  const out = new Float32Array(n * c);
  const positions = h * w;
  for (let b = 0; b < n; b++) {
    const row = out.subarray(b * c, (b + 1) * c);
    const at = b * positions * c;
    row.set(map.data.subarray(at, at + c));
    for (let p = 1; p < positions; p++) {
      const o = at + p * c;
      if (pooling === 'max') for (let k = 0; k < c; k++) row[k] = Math.max(row[k]!, map.data[o + k]!);
      else for (let k = 0; k < c; k++) row[k] = row[k]! + map.data[o + k]!;
    }
    if (pooling === 'avg') for (let k = 0; k < c; k++) row[k] = row[k]! / positions;
  }
  return { data: out, shape: [n, 1, 1, c] };
}
