import assert from 'node:assert/strict';
import { concreteModel, type ConcreteModel } from '../../src/engine/model-spec.js';
import { packData as makePack, sparseSplits } from '../../src/engine/native/pack.js';
import type { ExecutionResult, ExecutionSettings } from '../../src/engine/execution.js';
import { Rng } from '../../src/random/rng.js';
import type { Activation, CompileSpec, LayerSpec, OptimizerName } from '../../src/space/study-spec.js';
import type { EpochMetrics } from '../../src/domain/trial.js';
import { CLASS_METRICS } from '../../src/domain/metrics.js';

/* The engine tests' tiny data, models and comparisons (engines.test.ts, row-hooks.test.ts). */

export const DIM = 48;

export type Split = { data: Float32Array; labels: Int32Array; rows: number; dim: number };
export const packData = (train: Split, valid: Split, batchSize: number) => makePack(sparseSplits(train, valid, batchSize), train.labels, valid.labels);

/** Non-negative, mostly-zero features (ReLU of shifted noise, as VGG's) with a class signal. */
export function split(rows: number, classes: number, seed: number) {
  const rng = new Rng(seed);
  const data = new Float32Array(rows * DIM);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    labels[r] = r % classes;
    for (let d = 0; d < DIM; d++) data[r * DIM + d] = Math.max(0, rng.next() * 2 - 1.2 + (d % classes === labels[r] ? 0.6 : 0));
  }
  return { data, labels, rows, dim: DIM };
}

export interface Case {
  /** momentum: sgd with momentum 0.9. */
  optimizer: OptimizerName | 'momentum';
  dropout: boolean;
  hidden: number;
  classes: number;
  learningRate?: number;
  /** The hidden layers' activation; relu unless given. */
  activation?: Activation;
}

export function model(c: Case): ConcreteModel {
  const layers: LayerSpec[] = [];
  [12, 8, 6].slice(0, c.hidden).forEach((units) => {
    layers.push({ kind: 'dense', units, activation: c.activation ?? 'relu' });
    if (c.dropout) layers.push({ kind: 'dropout', rate: 0.3 });
  });
  layers.push(c.classes === 2 ? { kind: 'dense', units: 1, activation: 'sigmoid' } : { kind: 'dense', units: c.classes, activation: 'softmax' });
  const lr = c.learningRate ?? { sgd: 0.1, momentum: 0.05, rmsprop: 0.01, adam: 0.01 }[c.optimizer];
  const optimizer = c.optimizer === 'momentum' ? { name: 'sgd' as const, learningRate: lr, momentum: 0.9 } : { name: c.optimizer, learningRate: lr };
  const compile: CompileSpec = { loss: c.classes === 2 ? 'binary_crossentropy' : 'sparse_categorical_crossentropy', optimizer, metrics: ['accuracy'] };
  return concreteModel(layers, compile, {}, DIM);
}

/** Every class metric is asked for: each engine records those of the model's kind of problem. */
export const settings = (seed: number, epochs = 3): ExecutionSettings => ({
  epochs,
  objective: 'val_loss',
  direction: 'min',
  seed,
  checkpoint: true,
  classMetrics: { names: CLASS_METRICS, topK: 3 },
});

export function ok(result: ExecutionResult | Error | undefined): ExecutionResult {
  assert.ok(result !== undefined && !(result instanceof Error), String(result));
  return result;
}

export function close(a: number, b: number, what: string, tolerance = 2e-4): void {
  assert.ok(Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);
}

export function sameResult(
  native: { result: ExecutionResult; epochs: EpochMetrics[] },
  tfjs: { result: ExecutionResult; epochs: EpochMetrics[] },
  what: string,
): void {
  assert.equal(native.epochs.length, tfjs.epochs.length);
  native.epochs.forEach((m, e) => {
    const names = Object.keys(m).sort();
    assert.deepEqual(names, Object.keys(tfjs.epochs[e]!).sort(), `${what} epoch ${e + 1}: the same metrics`);
    assert.ok(names.length > 4, `${what}: class metrics recorded`);
    for (const k of names as (keyof EpochMetrics)[]) close(m[k]!, tfjs.epochs[e]![k]!, `${what} epoch ${e + 1} ${k}`);
  });
  assert.equal(native.result.bestEpoch, tfjs.result.bestEpoch, `${what}: best epoch`);
  native.result.weights.tensors.forEach((t, i) => {
    assert.deepEqual(t.shape, tfjs.result.weights.tensors[i]!.shape);
    t.values.forEach((v, k) => close(v, tfjs.result.weights.tensors[i]!.values[k]!, `${what} tensor ${i}[${k}]`, 1e-3));
  });
}
