import * as tf from '@tensorflow/tfjs';
import { Rng } from '../random/rng.js';
import type { Checkpoint } from '../domain/weights.js';
import type { EpochMetrics } from '../domain/trial.js';
import { dropoutMask } from './dropout.js';
import { correctCount, lossFromLogits, weightedLoss } from './losses.js';
import { checkRows, trainedRows } from './rows.js';
import { disposeKept, keptRows, type KeptRows } from './tfjs-rows.js';
import { Mlp } from './mlp.js';
import { earlyStopper, startingWeights, type ExecutionResult, type ExecutionSettings } from './execution.js';

// Re-exported: callers that train with tfjs find everything here.
export { earlyStopper, startingWeights, type ExecutionResult, type ExecutionSettings } from './execution.js';
import type { ConcreteModel } from './model-spec.js';
import { makeOptimizer } from './optimizers.js';
import { Direction } from '../domain/direction.js';
import { metricValue } from '../domain/metrics.js';
import { validationMetrics, type MetricsRequest } from '../metrics/class-metrics.js';

/** A split as tensors, made once per worker and reused by every trial. */
export interface SplitTensors {
  x: tf.Tensor2D;
  y: tf.Tensor1D;
  rows: number;
  /** The labels as numbers too, for the class metrics. */
  labels: Int32Array;
}

/** A whole split as tensors (labels as floats, as the losses take them). */
export function splitTensors(split: { data: Float32Array; labels: Int32Array; rows: number; dim: number }): SplitTensors {
  return { x: tf.tensor2d(split.data, [split.rows, split.dim]), y: tf.tensor1d(Float32Array.from(split.labels)), rows: split.rows, labels: split.labels };
}

/** The training split cut once into batches: slicing a big tensor per step is slow in tfjs-wasm. */
export interface Batches {
  batches: { x: tf.Tensor2D; y: tf.Tensor1D; size: number }[];
  rows: number;
}

/** Cuts rows x dim features into file-order batches of `batchSize` (the last may be smaller). */
export function makeBatches(data: Float32Array, labels: Int32Array, rows: number, dim: number, batchSize: number): Batches {
  const batches: Batches['batches'] = [];
  for (let start = 0; start < rows; start += batchSize) {
    const size = Math.min(batchSize, rows - start);
    batches.push({
      x: tf.tensor2d(data.slice(start * dim, (start + size) * dim), [size, dim]),
      y: tf.tensor1d(Float32Array.from(labels.subarray(start, start + size))),
      size,
    });
  }
  return { batches, rows };
}

/**
 * Trains one execution: batches in file order (no reshuffle, as the seed reads its HDF5),
 * every row used each epoch, then validation on the whole valid split. Calls `onEpoch` after
 * each epoch. Throws when the loss stops being finite, which fails the trial.
 */
export async function trainExecution(
  model: ConcreteModel,
  train: Batches,
  valid: SplitTensors,
  settings: ExecutionSettings,
  onEpoch: (epoch: number, metrics: EpochMetrics) => void,
): Promise<ExecutionResult> {
  checkRows(settings, train.rows, valid.rows);
  const rng = new Rng(settings.seed);
  const mlp = new Mlp(model, startingWeights(model, settings, rng));
  const optimizer = makeOptimizer(model);
  if (settings.resume) await restoreOptimizer(optimizer, settings.resume);
  const dropout = (rows: number, cols: number, rate: number): Float32Array => dropoutMask(rng, rows, cols, rate);
  let best: ExecutionResult | undefined;
  const stopper = settings.earlyStopping ? earlyStopper(settings.earlyStopping) : undefined;
  const kept = keptRows(
    settings,
    train.batches.map((b) => b.size),
  );
  const rows = trainedRows(settings, train.rows);
  const judged = settings.validRows ? validSubset(valid, settings.validRows) : valid;
  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const [lossSum, correct] = trainEpoch(mlp, optimizer, train, dropout, kept);
      const metrics: EpochMetrics = { loss: lossSum / rows, accuracy: correct / rows, ...evaluate(mlp, judged, settings.classMetrics) };
      if (!Number.isFinite(metrics.loss)) throw new Error(`loss became ${metrics.loss} at epoch ${epoch}`);
      onEpoch(epoch, metrics);
      const value = metricValue(metrics, settings.objective);
      const better = best === undefined || Direction.better(settings.direction, value, best.best);
      if (better) {
        const weights = mlp.weights();
        best = { best: value, bestEpoch: epoch, weights, ...(settings.checkpoint ? { checkpoint: { weights, ...(await optimizerState(optimizer)) } } : {}) };
      }
      if (stopper?.(metrics) || settings.pruned?.(epoch)) break;
    }
    return best!;
  } finally {
    mlp.dispose();
    optimizer.dispose();
    disposeKept(kept);
    if (judged !== valid) tf.dispose([judged.x, judged.y]);
  }
}

/** The validation rows `rows` of a split, as a split of their own. */
export function validSubset(split: SplitTensors, rows: Int32Array): SplitTensors {
  return tf.tidy(() => {
    const index = tf.tensor1d(rows, 'int32');
    return { x: split.x.gather(index), y: split.y.gather(index), rows: rows.length, labels: Int32Array.from(rows, (r) => split.labels[r]!) };
  });
}

/** The optimizer's step count and slot tensors, copied out (tfjs hands out its live variables). */
async function optimizerState(optimizer: tf.Optimizer): Promise<Omit<Checkpoint, 'weights'>> {
  const [iterations, ...slots] = await optimizer.getWeights();
  const steps = iterations!.tensor.dataSync()[0]!;
  iterations!.tensor.dispose();
  return {
    iterations: steps,
    slots: { tensors: slots.map(({ tensor }) => ({ shape: tensor.shape.slice(), values: (tensor.dataSync() as Float32Array).slice() })) },
  };
}

/** Puts a checkpoint's optimizer state into a fresh optimizer of the same kind. */
export async function restoreOptimizer(optimizer: tf.Optimizer, checkpoint: Checkpoint): Promise<void> {
  const tensors = [tf.scalar(checkpoint.iterations, 'int32'), ...checkpoint.slots.tensors.map((t) => tf.tensor(t.values, t.shape))];
  try {
    await optimizer.setWeights(tensors.map((tensor, i) => ({ name: i === 0 ? 'iter' : `slot_${i}`, tensor })));
  } finally {
    tf.dispose(tensors);
  }
}

function trainEpoch(
  mlp: Mlp,
  optimizer: tf.Optimizer,
  train: Batches,
  dropout: (rows: number, cols: number, rate: number) => Float32Array,
  kept: KeptRows[] | undefined,
): [number, number] {
  let lossSum = tf.scalar(0);
  let correct = tf.scalar(0);
  for (const [b, { x, y, size }] of train.batches.entries()) {
    const own = kept?.[b];
    // A batch that keeps none of its rows is no step (rows.ts).
    if (own === null) continue;
    let right: tf.Scalar | undefined;
    const [nextLoss, nextCorrect] = tf.tidy(() => {
      const loss = optimizer.minimize(
        () => {
          if (own === undefined) {
            const logits = mlp.logits(x, dropout);
            right = tf.keep(correctCount(mlp.model, logits, y));
            return lossFromLogits(mlp.model, logits, y);
          }
          const labels = y.gather(own.index);
          const logits = mlp.logits(x.gather(own.index), dropout);
          right = tf.keep(correctCount(mlp.model, logits, labels));
          return weightedLoss(mlp.model, logits, labels, own.weights);
        },
        true,
        mlp.variables,
      )!;
      return [lossSum.add(loss.mul(own ? own.rows : size)), correct.add(right!)];
    });
    tf.dispose([lossSum, correct, right!]);
    lossSum = nextLoss as tf.Scalar;
    correct = nextCorrect as tf.Scalar;
  }
  const result: [number, number] = [lossSum.dataSync()[0]!, correct.dataSync()[0]!];
  tf.dispose([lossSum, correct]);
  return result;
}

/**
 * Loss and accuracy without dropout, and the requested class metrics. Rows are independent, so
 * one pass equals any batching.
 */
export function evaluate(mlp: Mlp, split: SplitTensors, request?: MetricsRequest): Omit<EpochMetrics, 'loss' | 'accuracy'> {
  return tf.tidy(() => {
    const logits = mlp.logits(split.x);
    const loss = lossFromLogits(mlp.model, logits, split.y).dataSync()[0]!;
    const right = correctCount(mlp.model, logits, split.y).dataSync()[0]!;
    const extra = request ? validationMetrics(logits.dataSync() as Float32Array, split.rows, logits.shape[1], split.labels, request) : {};
    return { val_loss: loss, val_accuracy: right / split.rows, ...extra };
  });
}
