import type { Rng } from '../random/rng.js';

/**
 * A dropout mask of rows x cols, row-major: 0 for a dropped unit, 1 / (1 - rate) for a kept
 * one (inverted dropout, as Keras). Drawn from the execution's own generator, one draw per
 * unit in order, so that every engine, packed or alone, drops the same units for a seed: the
 * native engine draws its masks in C (native/tail.c) with the same arithmetic.
 */
export function dropoutMask(rng: Rng, rows: number, cols: number, rate: number): Float32Array {
  const mask = new Float32Array(rows * cols);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() >= rate ? keep : 0;
  return mask;
}
