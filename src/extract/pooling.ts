import type { FeatureMap } from './bases/base.js';

/**
 * What happens to the base's feature map before it is flattened: nothing (the seed's
 * Flatten), or a global average or max over the spatial positions (Keras' `pooling=`), which
 * shrinks h x w x c features to c.
 */
export const POOLINGS = ['none', 'avg', 'max'] as const;
export type Pooling = (typeof POOLINGS)[number];

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
