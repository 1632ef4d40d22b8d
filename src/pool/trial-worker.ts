import { classRowWeights } from '../engine/class-weights.js';
import { metricsRequest } from '../metrics/class-metrics.js';
import type { ExecutionResult } from '../engine/execution.js';
import { concreteModel, type ConcreteModel } from '../engine/model-spec.js';
import { nativeKernels, type NativeKernels } from '../engine/native/addon.js';
import { nativeCannot, packData, sparseSplits, trainPack, type PackData, type PackMember } from '../engine/native/pack.js';
import type { Batches, SplitTensors } from '../engine/train.js';
import { VERDICT, VERDICT_WAIT_MS, type EpochMessage, type PackTask, type TrialEnd, type TrialOutcome, type TrialTask } from './messages.js';
import { Direction } from '../domain/direction.js';

let cache: { key: string; train: Batches; valid: SplitTensors } | undefined;
/** The splits as the native engine reads them: the study's shared sparse copy, else one of our own. */
let sparseCache: { key: string; data: PackData } | undefined;
function sparse(task: PackTask): PackData {
  const key = `${task.dataKey}|${task.batchSize}`;
  if (sparseCache?.key !== key)
    sparseCache = { key, data: packData(task.sparse ?? sparseSplits(task.train, task.valid, task.batchSize), task.train.labels, task.valid.labels) };
  return sparseCache.data;
}

/** The native kernels when the task allows them and they can train this model, else undefined. */
function nativeFor(task: PackTask, model: ConcreteModel): NativeKernels | undefined {
  if (task.engine === 'tfjs') return undefined;
  const { kernels, why } = nativeKernels();
  const cannot = kernels ? nativeCannot(model) : why;
  if (cannot !== undefined && task.engine === 'native') throw new Error(`the native engine cannot run this trial: ${cannot}`);
  return cannot === undefined ? kernels : undefined;
}

/**
 * tfjs and the engines built on it, loaded on the first trial the native engine cannot train:
 * a worker that trains only natively never pays tfjs' start-up (about a second per worker).
 */
async function tfjsEngines() {
  const [tf, backend, pack, train] = await Promise.all([
    import('@tensorflow/tfjs'),
    import('../engine/backend.js'),
    import('../engine/tfjs-pack.js'),
    import('../engine/train.js'),
  ]);
  return { tf, useBackend: backend.useBackend, trainPackTfjs: pack.trainPackTfjs, ...train };
}

/** The study's splits as tensors, built on the first trial a worker runs and kept after. */
function tensors(task: PackTask, { tf, makeBatches, splitTensors }: Awaited<ReturnType<typeof tfjsEngines>>): { train: Batches; valid: SplitTensors } {
  const key = `${task.dataKey}|${task.batchSize}`;
  if (cache?.key !== key) {
    if (cache) tf.dispose([...cache.train.batches.flatMap((b) => [b.x, b.y]), cache.valid.x, cache.valid.y]);
    const { data, labels, rows, dim } = task.train;
    cache = { key, train: makeBatches(data, labels, rows, dim, task.batchSize), valid: splitTensors(task.valid) };
  }
  return cache;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** One trial of the pack: its model, its executions as pack members, and its end. */
class Trial {
  readonly members: PackMember[];
  private readonly results: (ExecutionResult | Error | undefined)[];
  private ended = false;
  /** Executions that have reported each epoch: the study judges an epoch once all have. */
  private readonly reported = new Map<number, number>();
  /** The epoch the study's pruner stopped the trial at. */
  private prunedAt: number | undefined;

  constructor(
    readonly task: PackTask,
    readonly trial: TrialTask,
    readonly model: ConcreteModel,
  ) {
    const offset = trial.initialEpoch;
    const classMetrics = metricsRequest(task.compile, model);
    this.results = Array.from({ length: trial.executions }, () => undefined);
    this.members = this.results.map((_, i) => {
      const execution = i + 1;
      const resume = trial.resume?.[i];
      const rows = trial.rows?.[i];
      const trainWeights = model.classWeight ? classRowWeights(model.classWeight, task.train.labels, rows?.trainWeights) : rows?.trainWeights;
      const settings = {
        epochs: trial.epochs - offset,
        ...(task.earlyStopping ? { earlyStopping: task.earlyStopping } : {}),
        objective: task.objective,
        direction: task.direction,
        seed: trial.seed + execution - 1,
        checkpoint: trial.checkpoint,
        ...(resume ? { resume } : {}),
        ...(trainWeights ? { trainWeights } : {}),
        ...(rows?.validRows ? { validRows: rows.validRows } : {}),
        ...(classMetrics ? { classMetrics } : {}),
        ...(trial.verdict ? { pruned: (epoch: number) => this.judged(offset + epoch) } : {}),
      };
      const onEpoch = (epoch: number, metrics: EpochMessage['metrics']): void => {
        const m: EpochMessage = { execution, epoch: offset + epoch, metrics };
        this.reported.set(m.epoch, (this.reported.get(m.epoch) ?? 0) + 1);
        trial.port.postMessage(m);
      };
      return { model, settings, onEpoch, onDone: (result: ExecutionResult | Error) => this.executionDone(i, result) };
    });
  }

  /**
   * Whether the study pruned the trial, asked at an execution's epoch end. Once every execution
   * has reported `epoch` the study judges it, so the worker waits for that verdict (bounded: a
   * busy main thread only makes the trial stop an epoch or so later).
   */
  private judged(epoch: number): boolean {
    const cells = this.trial.verdict!;
    if (Atomics.load(cells, VERDICT.PRUNED) === 0 && this.reported.get(epoch) === this.trial.executions) {
      const until = performance.now() + VERDICT_WAIT_MS;
      for (let seen = Atomics.load(cells, VERDICT.DECIDED); seen < epoch; seen = Atomics.load(cells, VERDICT.DECIDED)) {
        const left = until - performance.now();
        if (left <= 0) break;
        Atomics.wait(cells, VERDICT.DECIDED, seen, left);
      }
    }
    const at = Atomics.load(cells, VERDICT.PRUNED);
    if (at > 0) this.prunedAt = at;
    return at > 0;
  }

  /** Records one execution's end; the trial ends with its first error or when all are done. */
  executionDone(i: number, result: ExecutionResult | Error): void {
    this.results[i] = result;
    if (result instanceof Error) this.end({ error: result.message });
    else if (this.results.every((r) => r !== undefined))
      this.end({ outcome: this.outcome(this.results as ExecutionResult[]), ...(this.prunedAt !== undefined ? { pruned: this.prunedAt } : {}) });
  }

  end(end: TrialEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.trial.port.postMessage(end);
  }

  close(): void {
    // The end marker tells the main thread that every message of this trial has been delivered.
    this.trial.port.postMessage(null);
    this.trial.port.close();
  }

  private outcome(results: ExecutionResult[]): TrialOutcome {
    const { direction } = this.task;
    const offset = this.trial.initialEpoch;
    const score = results.reduce((sum, r) => sum + r.best, 0) / results.length;
    const top = Direction.best(direction, results, (r) => r.best)!;
    return {
      score,
      bestEpoch: offset + top.bestEpoch,
      weights: top.weights,
      executions: results.map((r) => ({ best: r.best, bestEpoch: offset + r.bestEpoch })),
      ...(this.trial.checkpoint ? { checkpoints: results.map((r) => r.checkpoint!) } : {}),
    };
  }
}

/**
 * Piscina's entry point: every execution of every trial in the pack. On the native engine they
 * all train as one pack, one pass over each batch serving them all; on tfjs one after another.
 * Each trial reports its epochs and its end on its own port as they happen; a trial that fails
 * ends alone.
 */
export default async function runPack(task: PackTask): Promise<void> {
  const trials: Trial[] = [];
  const native: Trial[] = [];
  const tfjs: Trial[] = [];
  let kernels: NativeKernels | undefined;
  try {
    for (const t of task.trials) {
      let trial: Trial | undefined;
      try {
        trial = new Trial(task, t, concreteModel(task.model, task.compile, t.values, task.train.dim));
        trials.push(trial);
        const k = nativeFor(task, trial.model);
        if (k) kernels = k;
        (k ? native : tfjs).push(trial);
      } catch (err) {
        if (trial) trial.end({ error: message(err) });
        else {
          t.port.postMessage({ error: message(err) } satisfies TrialEnd);
          t.port.postMessage(null);
          t.port.close();
        }
      }
    }
    if (kernels && native.length > 0) {
      try {
        await trainPack(
          kernels,
          sparse(task),
          native.flatMap((t) => t.members),
        );
      } catch (err) {
        for (const t of native) t.end({ error: message(err) });
      }
    }
    if (tfjs.length > 0) {
      const engines = await tfjsEngines();
      const { useBackend, trainPackTfjs, trainExecution } = engines;
      await useBackend(task.backend);
      const { train, valid } = tensors(task, engines);
      // The tfjs pack needs a dense first layer to share; other models train one by one.
      const packed = tfjs.filter((t) => t.model.layers[0]?.kind === 'dense');
      if (packed.length > 0) {
        try {
          await trainPackTfjs(
            train,
            valid,
            packed.flatMap((t) => t.members),
          );
        } catch (err) {
          for (const t of packed) t.end({ error: message(err) });
        }
      }
      for (const t of tfjs.filter((x) => !packed.includes(x))) {
        try {
          for (const [i, m] of t.members.entries()) {
            t.executionDone(i, await trainExecution(t.model, train, valid, m.settings, m.onEpoch));
          }
        } catch (err) {
          t.end({ error: message(err) });
        }
      }
    }
  } finally {
    for (const t of trials) t.close();
  }
}
