import type { Rng } from '../random/rng.js';

/**
 * A dropout mask of rows x cols, row-major: 0 for a dropped unit, 1 / (1 - rate) for a kept
 * one (inverted dropout, as Keras). Drawn from the execution's own generator, one draw per
 * unit in order, so that every engine, packed or alone, drops the same units for a seed.
 */
export function dropoutMask(rng: Rng, rows: number, cols: number, rate: number): Float32Array {
  return fillDropoutMask(rng, new Float32Array(rows * cols), rate);
}

/** dropoutMask written into `mask` (its whole length), for a caller that reuses its array. */
export function fillDropoutMask(rng: Rng, mask: Float32Array, rate: number): Float32Array {
  const keep = 1 / (1 - rate);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() >= rate ? keep : 0;
  return mask;
}
