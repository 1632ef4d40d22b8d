/*
 * Trains a refit through the entry point that trains `tune run`'s trials (pool/trial-worker),
 * called in this thread: the same engine choice (native kernels where they can train the
 * model, tfjs otherwise), optimizer, batches and dropout draws. That entry point keeps each
 * execution's best epoch by its objective, and a refit has no validation to judge by and keeps
 * its last epoch; so it trains one epoch per call, each continuing from the previous one's
 * checkpoint (weights and optimizer state, as a promoted Hyperband trial does) with its
 * generator where the straight run's would stand (seedAfter).
 */
import { MessageChannel } from 'node:worker_threads';
import type { BackendName } from '../engine/backend.js';
import { concreteModel } from '../engine/model-spec.js';
import { nativeKernels } from '../engine/native/addon.js';
import { nativeCannot } from '../engine/native/pack.js';
import type { Checkpoint, StoredWeights } from '../domain/weights.js';
import type { EpochMetrics } from '../domain/trial.js';
import type { EngineName, EpochMessage, PackTask, TrialEnd, TrialOutcome, TrialTask } from '../pool/messages.js';
import runPack from '../pool/trial-worker.js';
import type { Values } from '../space/hyperparameter.js';
import type { CompileSpec, LayerSpec } from '../space/study-spec.js';
import { seedAfter, type Rows } from './refit-plan.js';

export interface RefitOptions {
  model: LayerSpec[];
  compile: CompileSpec;
  values: Values;
  /** The rows to train on (train and valid joined, see joinRows). */
  rows: Rows;
  /** Names the rows: the engine cuts them into batches once, for every epoch. */
  dataKey: string;
  batchSize: number;
  /** The trial's seed: its first execution's starting weights and dropout masks. */
  seed: number;
  epochs: number;
  engine: EngineName;
  backend: BackendName;
  /** Heard after each epoch with its training loss and accuracy (dropout on). */
  onEpoch?: (epoch: number, metrics: { loss: number; accuracy: number }) => void;
}

export interface Refitted {
  /** The weights after the last epoch. */
  weights: StoredWeights;
  /** The engine that trained them. */
  engine: 'native' | 'tfjs';
  /** The last epoch's training loss and accuracy (dropout on). */
  loss: number;
  accuracy: number;
}

/** A refit whose training failed (its loss stopped being finite): the trial's own error, as `tune run` would fail it. */
export class RefitFailed extends Error {}

/**
 * Trains `o.values`' model on `o.rows` for `o.epochs` epochs and returns its last weights.
 * Called by `tune best --refit`. Throws RefitFailed when training fails, Error when the
 * native engine was demanded and cannot train the model.
 */
export async function refit(o: RefitOptions): Promise<Refitted> {
  const model = concreteModel(o.model, o.compile, o.values, o.rows.dim);
  const engine = o.engine !== 'tfjs' && nativeKernels().kernels !== undefined && nativeCannot(model) === undefined ? 'native' : 'tfjs';
  // The engines validate after every epoch; a refit has nothing left to validate on, so they get
  // one training row, whose figures nothing reads.
  const one = { data: o.rows.data.subarray(0, o.rows.dim), labels: o.rows.labels.subarray(0, 1), rows: 1, dim: o.rows.dim };
  const task: Omit<PackTask, 'trials'> = {
    dataKey: `refit|${o.dataKey}`,
    backend: o.backend,
    engine: o.engine,
    train: o.rows,
    valid: one,
    model: o.model,
    compile: o.compile,
    batchSize: o.batchSize,
    objective: 'loss',
    direction: 'min',
  };
  let checkpoint: Checkpoint | undefined;
  let last: EpochMetrics | undefined;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const step = await trainOne(task, {
      values: o.values,
      number: 0,
      executions: 1,
      initialEpoch: epoch - 1,
      epochs: epoch,
      checkpoint: true,
      seed: seedAfter(model, o.seed, o.rows.rows, epoch - 1),
      ...(checkpoint ? { resume: [checkpoint] } : {}),
    });
    checkpoint = step.outcome.checkpoints![0]!;
    last = step.metrics;
    o.onEpoch?.(epoch, { loss: last.loss, accuracy: last.accuracy });
  }
  return { weights: checkpoint!.weights, engine, loss: last!.loss, accuracy: last!.accuracy };
}

/** One call of the worker's entry point, for one execution: its outcome and its epoch's metrics. */
async function trainOne(task: Omit<PackTask, 'trials'>, trial: Omit<TrialTask, 'port'>): Promise<{ outcome: TrialOutcome; metrics: EpochMetrics }> {
  const { port1, port2 } = new MessageChannel();
  let end: TrialEnd | undefined;
  let metrics: EpochMetrics | undefined;
  // The worker ends every trial's messages with null, once nothing more will come.
  const delivered = new Promise<void>((resolve) => {
    port2.on('message', (m: EpochMessage | TrialEnd | null) => {
      if (m === null) {
        port2.close();
        resolve();
      } else if ('metrics' in m) metrics = m.metrics;
      else end = m;
    });
  });
  await runPack({ ...task, trials: [{ ...trial, port: port1 }] });
  await delivered;
  if (end === undefined || 'error' in end) throw new RefitFailed(end?.error ?? 'the engine ended the refit without a result');
  return { outcome: end.outcome, metrics: metrics! };
}
