import type { Rng } from '../random/rng.js';
import type { EarlyStopping } from '../space/study-spec.js';
import type { Checkpoint, StoredWeights } from '../domain/weights.js';
import type { EpochMetrics } from '../domain/trial.js';
import { weightShapes, type ConcreteModel } from './model-spec.js';
import { Direction } from '../domain/direction.js';
import { metricValue } from '../domain/metrics.js';
import type { MetricsRequest } from '../metrics/class-metrics.js';

/*
 * What every engine shares about one execution, without tfjs: a worker that trains only on the
 * native kernels never loads tfjs (about a second of start-up per worker).
 */

export interface ExecutionSettings {
  epochs: number;
  earlyStopping?: EarlyStopping;
  objective: keyof EpochMetrics;
  direction: 'max' | 'min';
  seed: number;
  /** Start from this state instead of fresh weights (a promoted Hyperband trial). */
  resume?: Checkpoint;
  /** Also keep the optimizer's state at the best epoch, for a trial that may be promoted. */
  checkpoint?: boolean;
  /**
   * Asked at the end of each epoch, after every member of a pack has reported that epoch (so
   * that a trial's executions are all in): true stops this execution there, as early stopping
   * does (the study's pruner). It may block until the study has decided.
   */
  pruned?: (epoch: number) => boolean;
  /**
   * One loss weight per training row (class weights, cross-validation folds): a row of weight
   * 0 is left out of its batch entirely, and a batch's loss is its weighted sum over the rows
   * it keeps (see rows.ts); the epoch's `loss` and `accuracy` count only kept rows. Absent: all 1.
   */
  trainWeights?: Float32Array;
  /** The validation rows (indices into the valid split) that the `val_` metrics are computed over; absent: all. */
  validRows?: Int32Array;
  /** The class metrics each epoch records too, from the validation probabilities (src/metrics/class-metrics.ts). */
  classMetrics?: MetricsRequest;
}

export interface ExecutionResult {
  /** The best objective value over the epochs. */
  best: number;
  /** Its epoch, 1-based. */
  bestEpoch: number;
  /** The weights at that epoch (KerasTuner checkpoints the best epoch). */
  weights: StoredWeights;
  /** Weights and optimizer state at that epoch, when the settings asked for it. */
  checkpoint?: Checkpoint;
}

/** Keras' defaults: Glorot-uniform kernels, zero biases, drawn from `rng`. */
export function initialWeights(model: ConcreteModel, rng: Rng): Float32Array[] {
  return weightShapes(model).map((shape) => {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (shape.length === 2) {
      const limit = Math.sqrt(6 / (shape[0]! + shape[1]!));
      for (let i = 0; i < values.length; i++) values[i] = (rng.next() * 2 - 1) * limit;
    }
    return values;
  });
}

/**
 * The weights an execution starts from, in every engine: its checkpoint's, refused when they
 * are not this model's shapes, or fresh ones drawn from its generator. Checkpoint values are
 * shared, not copied.
 */
export function startingWeights(model: ConcreteModel, settings: ExecutionSettings, rng: Rng): Float32Array[] {
  return settings.resume ? resumedWeights(model, settings.resume) : initialWeights(model, rng);
}

function resumedWeights(model: ConcreteModel, checkpoint: Checkpoint): Float32Array[] {
  const shapes = weightShapes(model);
  const stored = checkpoint.weights.tensors;
  if (stored.length !== shapes.length || stored.some((t, i) => t.shape.join('x') !== shapes[i]!.join('x'))) {
    throw new Error(
      `the checkpoint's weights [${stored.map((t) => t.shape.join('x')).join(', ')}] do not fit the model [${shapes.map((s) => s.join('x')).join(', ')}]`,
    );
  }
  return stored.map((t) => t.values);
}

/** Keras' EarlyStopping as a function of each epoch's metrics: true when training should stop. */
export function earlyStopper(rule: EarlyStopping): (metrics: EpochMetrics) => boolean {
  let best = -Direction.sign(rule.direction) * Infinity;
  let wait = 0;
  return (metrics) => {
    const value = metricValue(metrics, rule.monitor);
    // Better by more than min_delta: the value, moved min_delta the worse way, is still better.
    const improved = Direction.better(rule.direction, value - Direction.sign(rule.direction) * rule.minDelta, best);
    if (improved) {
      best = value;
      wait = 0;
      return false;
    }
    wait++;
    return wait >= rule.patience;
  };
}
