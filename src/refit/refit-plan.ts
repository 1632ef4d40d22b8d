/*
 * What a refit is, without tfjs or the engines: how many epochs it trains, the one split it
 * trains on (train and valid together), and where each epoch's generator starts so that a
 * refit trained one epoch at a time draws exactly the dropout masks of one straight run.
 */
import { weightShapes, type ConcreteModel } from '../engine/model-spec.js';

/** A split as the engines take it: rows x dim features, row-major, and one label per row. */
export interface Rows {
  data: Float32Array;
  labels: Int32Array;
  rows: number;
  dim: number;
}

/**
 * The epochs of a refit: the best epoch scaled by the data it now trains on, since the same
 * number of epochs over more rows takes more optimizer steps and a model that stopped improving
 * at epoch E of T rows took E * T rows of steps, which E * (T + V) / T epochs of T + V rows
 * match. At least 1. `folds`: the study was cross-validated, so its best epoch trained on k-1
 * of k folds of train+valid, and the refit's rows are k / (k - 1) times those.
 */
export function scaledEpochs(bestEpoch: number, trainRows: number, validRows: number, folds?: number): number {
  const trained = folds === undefined ? trainRows : ((trainRows + validRows) * (folds - 1)) / folds;
  return Math.max(1, Math.round((bestEpoch * (trainRows + validRows)) / trained));
}

/** Train's rows then valid's, in file order: the batches a refit cuts, as `tune run` cuts train's. */
export function joinRows(train: Rows, valid: Rows): Rows {
  if (train.dim !== valid.dim) throw new Error(`train has ${train.dim} features per row, valid ${valid.dim}`);
  const data = new Float32Array(train.data.length + valid.data.length);
  data.set(train.data);
  data.set(valid.data, train.data.length);
  const labels = new Int32Array(train.rows + valid.rows);
  labels.set(train.labels);
  labels.set(valid.labels, train.rows);
  return { data, labels, rows: train.rows + valid.rows, dim: train.dim };
}

/** What Rng.next adds to the state per draw (src/random/rng.ts): draw k's state is start + k times it. */
const DRAW_STEP = 0x6d2b79f5;

/**
 * The generator state after `epochs` epochs of an execution seeded `seed` on `rows` rows: one
 * draw per kernel weight when it starts (initialWeights), then one per unit of every dropout
 * layer of rate > 0 per training row each epoch (dropoutMask, and native/tail.c which draws
 * the same), and none when evaluating. `new Rng(state)` goes on from there, so an epoch seeded
 * with it continues the straight run's sequence; refit-train.test.ts proves it on both engines.
 */
export function seedAfter(model: ConcreteModel, seed: number, rows: number, epochs: number): number {
  if (epochs === 0) return seed >>> 0;
  const init = weightShapes(model)
    .filter((s) => s.length === 2)
    .reduce((sum, [a, b]) => sum + a! * b!, 0);
  let width = model.inputDim;
  let perRow = 0;
  for (const layer of model.layers) {
    if (layer.kind === 'dense') width = layer.units;
    else if (layer.rate > 0) perRow += width;
  }
  // Math.imul wraps both factors to 32 bits, as the generator's own additions wrap.
  const draws = init + perRow * rows * epochs;
  return (seed + Math.imul(draws % 2 ** 32, DRAW_STEP)) >>> 0;
}
