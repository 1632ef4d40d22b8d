import type { ExecutionSettings } from './execution.js';

/*
 * Which rows an execution trains and validates on, the same in every engine: a training row of
 * weight 0 is left out of its batch entirely (no dropout draw, no loss, no accuracy), and a
 * batch's loss is its weighted sum over the number of rows it keeps, which with every weight
 * above 0 is Keras' sum over the batch size. A batch that keeps no row is no step at all.
 */

/** The rows of one batch that an execution keeps, relative to the batch's first row, and their weights. */
export interface BatchRows {
  index: Int32Array;
  weights: Float32Array;
}

/** The rows begin..end - 1 of `weights` that weigh more than 0. */
export function batchRows(weights: Float32Array, begin: number, end: number): BatchRows {
  let kept = 0;
  for (let r = begin; r < end; r++) if (weights[r]! > 0) kept++;
  const index = new Int32Array(kept);
  const values = new Float32Array(kept);
  let k = 0;
  for (let r = begin; r < end; r++) {
    if (!(weights[r]! > 0)) continue;
    index[k] = r - begin;
    values[k++] = weights[r]!;
  }
  return { index, weights: values };
}

/** How many training rows the execution learns from: its epoch's loss and accuracy are means over them. */
export function trainedRows(settings: ExecutionSettings, rows: number): number {
  const weights = settings.trainWeights;
  if (!weights) return rows;
  let kept = 0;
  for (const w of weights) if (w > 0) kept++;
  return kept;
}

/** How many validation rows the execution is judged on. */
export function validatedRows(settings: ExecutionSettings, rows: number): number {
  return settings.validRows ? settings.validRows.length : rows;
}

/**
 * Throws Error (a bug in the caller, which builds these from checked input) unless the
 * settings' rows fit splits of `trainRows` and `validRows` rows: one finite weight >= 0 per
 * training row, at least one above 0, and at least one validation row, each inside the split.
 */
export function checkRows(settings: ExecutionSettings, trainRows: number, validRows: number): void {
  const weights = settings.trainWeights;
  if (weights) {
    if (weights.length !== trainRows) throw new Error(`trainWeights holds ${weights.length} weights for ${trainRows} training rows`);
    const bad = weights.findIndex((w) => !(Number.isFinite(w) && w >= 0));
    if (bad >= 0) throw new Error(`trainWeights[${bad}] is ${weights[bad]}; a weight is a finite number >= 0`);
    if (!weights.some((w) => w > 0)) throw new Error('trainWeights leaves no training row in');
  }
  const rows = settings.validRows;
  if (rows) {
    if (rows.length === 0) throw new Error('validRows is empty');
    const bad = rows.findIndex((r) => r < 0 || r >= validRows);
    if (bad >= 0) throw new Error(`validRows[${bad}] is ${rows[bad]}, outside the ${validRows} validation rows`);
  }
}
