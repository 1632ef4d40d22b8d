import * as tf from '@tensorflow/tfjs';
import type { ExecutionSettings } from './execution.js';
import { batchRows } from './rows.js';

/*
 * The rows of rows.ts as tfjs tensors, made once per execution: a batch's kept rows (gathered
 * from the batch) and their weights, and the validation rows.
 */

/**
 * One batch's kept rows: `null` when the execution keeps none of them (it takes no step there).
 * `select` (kept x batch rows, one 1 per row) picks them by a product, where a gradient must
 * flow back through the picking: tfjs-wasm has no gradient for gather.
 */
export type KeptRows = { index: tf.Tensor1D; weights: tf.Tensor1D; select: tf.Tensor2D; rows: number } | null;

/** Per batch (of `sizes` rows, in order), the rows that `settings` keeps; undefined when it keeps every row at weight 1. */
export function keptRows(settings: ExecutionSettings, sizes: readonly number[]): KeptRows[] | undefined {
  const weights = settings.trainWeights;
  if (!weights) return undefined;
  let begin = 0;
  return sizes.map((size) => {
    const { index, weights: w } = batchRows(weights, begin, begin + size);
    begin += size;
    if (index.length === 0) return null;
    const select = new Float32Array(index.length * size);
    index.forEach((r, k) => (select[k * size + r] = 1));
    return { index: tf.tensor1d(index, 'int32'), weights: tf.tensor1d(w), select: tf.tensor2d(select, [index.length, size]), rows: index.length };
  });
}

/** The batches a member keeps no row of, as a key: members that share an optimizer must sit out the same steps. */
export function idleBatches(rows: KeptRows[] | undefined): string {
  return rows ? rows.flatMap((r, i) => (r === null ? [i] : [])).join(',') : '';
}

export function disposeKept(rows: KeptRows[] | undefined): void {
  for (const r of rows ?? []) if (r) tf.dispose([r.index, r.weights, r.select]);
}
