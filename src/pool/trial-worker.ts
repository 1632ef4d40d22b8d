import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../engine/backend.js';
import { concreteModel } from '../engine/model-spec.js';
import { makeBatches, splitTensors, trainExecution, type Batches, type ExecutionResult, type SplitTensors } from '../engine/train.js';
import type { EpochMessage, TrialOutcome, TrialTask } from './messages.js';

let cache: { key: string; train: Batches; valid: SplitTensors } | undefined;

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
    await useBackend(task.backend);
    const { train, valid } = tensors(task);
    const model = concreteModel(task.model, task.compile, task.values, task.train.dim);
    const results: ExecutionResult[] = [];
    const offset = task.initialEpoch;
    for (let execution = 1; execution <= task.executions; execution++) {
      const resume = task.resume?.[execution - 1];
      const settings = {
        epochs: task.epochs - offset, ...(task.earlyStopping ? { earlyStopping: task.earlyStopping } : {}), objective: task.objective,
        direction: task.direction, seed: task.seed + execution - 1, checkpoint: task.checkpoint, ...(resume ? { resume } : {}),
      };
      results.push(
        await trainExecution(model, train, valid, settings, (epoch, metrics) => {
          const message: EpochMessage = { execution, epoch: offset + epoch, metrics };
          task.port.postMessage(message);
        }),
      );
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
