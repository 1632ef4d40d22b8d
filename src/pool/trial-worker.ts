import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../engine/backend.js';
import { concreteModel } from '../engine/model-spec.js';
import { makeBatches, splitTensors, trainExecution, type Batches, type ExecutionResult, type SplitTensors } from '../engine/train.js';
import { nativeKernels } from '../engine/native/addon.js';
import { nativeCannot, packData, sparseSplits, trainPack, type PackData } from '../engine/native/pack.js';
import type { ConcreteModel } from '../engine/model-spec.js';
import type { EpochMessage, TrialOutcome, TrialTask } from './messages.js';

let cache: { key: string; train: Batches; valid: SplitTensors } | undefined;
/** The splits as the native engine reads them: the study's shared sparse copy, else one of our own. */
let sparseCache: { key: string; data: PackData } | undefined;
function sparse(task: TrialTask): PackData {
  const key = `${task.dataKey}|${task.batchSize}`;
  if (sparseCache?.key !== key) sparseCache = { key, data: packData(task.sparse ?? sparseSplits(task.train, task.valid, task.batchSize), task.train.labels, task.valid.labels) };
  return sparseCache.data;
}

/** The native kernels when the task allows them and they can train this model, else undefined. */
function nativeFor(task: TrialTask, model: ConcreteModel) {
  if (task.engine === 'tfjs') return undefined;
  const { kernels, why } = nativeKernels();
  const cannot = kernels ? nativeCannot(model) : why;
  if (cannot !== undefined && task.engine === 'native') throw new Error(`the native engine cannot run this trial: ${cannot}`);
  return cannot === undefined ? kernels : undefined;
}

/** The study's splits as tensors, built on the first trial a worker runs and kept after. */
function tensors(task: TrialTask): { train: Batches; valid: SplitTensors } {
  const key = `${task.dataKey}|${task.batchSize}`;
  if (cache?.key !== key) {
    if (cache) tf.dispose([...cache.train.batches.flatMap((b) => [b.x, b.y]), cache.valid.x, cache.valid.y]);
    const { data, labels, rows, dim } = task.train;
    cache = { key, train: makeBatches(data, labels, rows, dim, task.batchSize), valid: splitTensors(task.valid) };
  }
  return cache;
}

/** Piscina's entry point: every execution of one trial, epochs reported as they end. */
export default async function runTrial(task: TrialTask): Promise<TrialOutcome> {
  try {
    const model = concreteModel(task.model, task.compile, task.values, task.train.dim);
    const offset = task.initialEpoch;
    const members = Array.from({ length: task.executions }, (_, i) => {
      const execution = i + 1;
      const resume = task.resume?.[i];
      const settings = {
        epochs: task.epochs - offset, ...(task.earlyStopping ? { earlyStopping: task.earlyStopping } : {}), objective: task.objective,
        direction: task.direction, seed: task.seed + execution - 1, checkpoint: task.checkpoint, ...(resume ? { resume } : {}),
      };
      const onEpoch = (epoch: number, metrics: EpochMessage['metrics']): void => {
        const message: EpochMessage = { execution, epoch: offset + epoch, metrics };
        task.port.postMessage(message);
      };
      return { model, settings, onEpoch };
    });
    const kernels = nativeFor(task, model);
    let results: ExecutionResult[];
    if (kernels) {
      // A trial's executions train as one pack: one pass over each batch serves them all.
      results = await trainPack(kernels, sparse(task), members);
    } else {
      await useBackend(task.backend);
      const { train, valid } = tensors(task);
      results = [];
      for (const m of members) results.push(await trainExecution(model, train, valid, m.settings, m.onEpoch));
    }
    const score = results.reduce((sum, r) => sum + r.best, 0) / results.length;
    const better = (a: ExecutionResult, b: ExecutionResult): boolean => (task.direction === 'max' ? a.best > b.best : a.best < b.best);
    const top = results.reduce((a, b) => (better(b, a) ? b : a));
    return {
      score, bestEpoch: offset + top.bestEpoch, weights: top.weights, executions: results.map((r) => ({ best: r.best, bestEpoch: offset + r.bestEpoch })),
      ...(task.checkpoint ? { checkpoints: results.map((r) => r.checkpoint!) } : {}),
    };
  } finally {
    // The end marker tells the main thread that every epoch message has been delivered.
    task.port.postMessage(null);
    task.port.close();
  }
}
