import { Rng } from '../../random/rng.js';
import type { Checkpoint, StoredWeights } from '../../domain/weights.js';
import type { EpochMetrics } from '../../domain/trial.js';
import { weightShapes, type ConcreteLayer, type ConcreteModel } from '../model-spec.js';
import { earlyStopper, startingWeights, type ExecutionResult, type ExecutionSettings } from '../execution.js';
import type { NativeKernels } from './addon.js';
import { blockColumns, sparseBlocks, type SparseBlocks } from './sparse.js';
import { f32, NativeTail, sitsOut, type Kind, type MemberLogits, type Param, type TailMember } from './tail.js';
import { metricValue } from '../../domain/metrics.js';
import { validationMetrics } from '../../metrics/class-metrics.js';
import { columnGroups, packColumns, trainRowLists, validRowLists } from './member-rows.js';
import { checkRows, trainedRows, validatedRows } from '../rows.js';
import { Direction } from '../../domain/direction.js';

/** The splits as the native engine reads them: the training batches and the valid split, sparse. */
export interface PackData {
  train: SparseBlocks;
  trainLabels: Int32Array;
  valid: SparseBlocks;
  validLabels: Int32Array;
}

type Split = { data: Float32Array; labels: Int32Array; rows: number; dim: number };

/** Both splits made sparse once (in shared memory): the training split cut into batches. */
export function sparseSplits(train: Split, valid: Split, batchSize: number): { train: SparseBlocks; valid: SparseBlocks } {
  return { train: sparseBlocks(train.data, train.rows, train.dim, batchSize), valid: sparseBlocks(valid.data, valid.rows, valid.dim, Math.max(1, valid.rows)) };
}

export function packData(sparse: { train: SparseBlocks; valid: SparseBlocks }, trainLabels: Int32Array, validLabels: Int32Array): PackData {
  return { train: sparse.train, trainLabels, valid: sparse.valid, validLabels };
}

const ACTIVATIONS = new Set(['relu', 'linear', 'sigmoid', 'tanh']);

/** Why the native engine cannot train this model (the tfjs engine then does), or undefined. */
export function nativeCannot(model: ConcreteModel): string | undefined {
  if (model.layers[0]?.kind !== 'dense') return 'the model does not start with a dense layer';
  const hidden = model.layers.slice(0, -1).filter((l): l is Extract<ConcreteLayer, { kind: 'dense' }> => l.kind === 'dense');
  const odd = hidden.find((l) => !ACTIVATIONS.has(l.activation));
  if (odd) return `activation ${odd.activation} has no native form`;
  const output = model.layers.filter((l) => l.kind === 'dense').at(-1);
  return model.loss === 'binary_crossentropy' && output?.units !== 1 ? 'binary cross-entropy needs one output unit' : undefined;
}

/** A member's optimizer for the kernels: its kind and constants, as makeOptimizer sets them for tfjs. */
function optimizerOf(model: ConcreteModel): { kind: Kind; hyper: [number, number, number] } {
  const { name, momentum } = model.optimizer;
  if (name === 'rmsprop') return { kind: 'rmsprop', hyper: [0.9, 0, 1e-7] };
  if (name === 'adam') return { kind: 'adam', hyper: [0.9, 0.999, 1e-7] };
  return momentum > 0 ? { kind: 'momentum', hyper: [momentum, 0, 0] } : { kind: 'sgd', hyper: [0, 0, 0] };
}

/** One execution in the pack: its own weights, optimizer state, dropout masks and metrics. */
class Member implements TailMember {
  readonly rng: Rng;
  /** Its columns in the packed first layer. */
  col = 0;
  readonly width: number;
  /** b1 then every later kernel and bias, in layer order (the packed first kernel excluded): views into the tail's arena. */
  params: Param[] = [];
  /** Their starting values, until the tail takes them. */
  start: Float32Array[] | undefined;
  steps = 0;
  done = false;
  best: ExecutionResult | undefined;
  readonly stop: ((m: EpochMetrics) => boolean) | undefined;
  readonly kind: Kind;
  readonly hyper: [number, number, number];
  /** Why the member left the pack early (its loss blew up), if it did. */
  error: Error | undefined;
  lossSum = 0;
  correct = 0;
  /** The first kernel as it starts (D x width); copied into the pack, then dropped. */
  firstKernel: Float32Array | undefined;

  constructor(
    readonly model: ConcreteModel,
    readonly settings: ExecutionSettings,
    readonly onEpoch: (epoch: number, metrics: EpochMetrics) => void,
    readonly onDone: ((result: ExecutionResult | Error) => void) | undefined,
  ) {
    ({ kind: this.kind, hyper: this.hyper } = optimizerOf(model));
    this.rng = new Rng(settings.seed);
    const shapes = weightShapes(model);
    // Copied: the pack updates them in place, and a checkpoint's values are its own.
    const init = startingWeights(model, settings, this.rng).map((v) => Float32Array.from(v));
    this.width = shapes[0]![1]!;
    this.firstKernel = init[0]!;
    this.start = init.slice(1);
    this.stop = settings.earlyStopping ? earlyStopper(settings.earlyStopping) : undefined;
  }

  /** The labels of the validation rows it is judged on, in their order. */
  validLabels(all: Int32Array): Int32Array {
    const own = this.settings.validRows;
    if (!own) return all;
    this.ownLabels ??= Int32Array.from(own, (r) => all[r]!);
    return this.ownLabels;
  }

  private ownLabels: Int32Array | undefined;
}

/** The units of a model's output layer. */
function outputUnits(model: ConcreteModel): number {
  const out = model.layers.filter((l) => l.kind === 'dense').at(-1);
  return out?.kind === 'dense' ? out.units : 1;
}

/** Room for the validation logits of every member that records class metrics, side by side. */
function logitsLayout(pack: Member[], validRows: number): MemberLogits {
  let size = 0;
  const at = Int32Array.from(pack, (m) => {
    if (!m.settings.classMetrics?.names.length) return -1;
    size += validatedRows(m.settings, validRows) * outputUnits(m.model);
    return size - validatedRows(m.settings, validRows) * outputUnits(m.model);
  });
  return { out: new Float32Array(size), at };
}

/** One model to train in a pack; onDone hears its result as soon as it leaves the pack (finished or failed). */
export interface PackMember {
  model: ConcreteModel;
  settings: ExecutionSettings;
  onEpoch: (epoch: number, metrics: EpochMetrics) => void;
  onDone?: (result: ExecutionResult | Error) => void;
}

/**
 * Trains several executions at once on the native kernels, of one trial or of several: one
 * sparse product computes every member's first layer (their kernels side by side), one native
 * call per step runs every member's later layers, dropout, loss, backward pass and small
 * tensors' optimizer steps, each member on its own (native/tail.c), and one fused pass takes
 * every member's first-layer gradient and optimizer step; so a member ends exactly as it would
 * alone. Members may differ in depth, width and optimizer. A member whose loss stops
 * being finite leaves the pack with that error and the others train on. Calls each member's
 * onEpoch as the tfjs engine does, and returns, per member, what trainExecution returns or the
 * error that ended it.
 */
export async function trainPack(kernels: NativeKernels, data: PackData, members: PackMember[]): Promise<(ExecutionResult | Error)[]> {
  const pack = members.map((m) => new Member(m.model, m.settings, m.onEpoch, m.onDone));
  const dim = data.train.dim;
  // Columns grouped by optimizer, so that each kernel row loop runs over a long stretch.
  const key = (m: Member): string => `${m.kind}|${m.hyper.join()}`;
  const order = [...pack].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  const width = packColumns(order, (i) => key(order[i]!), kernels.lanes);
  for (const m of pack) checkRows(m.settings, data.train.rows, data.valid.rows);
  // The packed first layer: kernel D x width (row-major), bias, optimizer slots, per-column rates.
  const w1 = new Float32Array(dim * width);
  const s1 = new Float32Array(pack.some((m) => m.kind !== 'sgd') ? w1.length : 0);
  const s2 = new Float32Array(pack.some((m) => m.kind === 'adam') ? w1.length : 0);
  const lr = new Float32Array(width);
  const c1 = new Float32Array(width);
  const c2 = new Float32Array(width);
  const everyColumn = columnGroups(order, width);
  const trainRows = trainRowLists(
    pack.map((m) => m.settings),
    data.train.blocks,
  );
  const validRows = validRowLists(pack.map((m) => m.settings));
  const logits = logitsLayout(pack, data.valid.rows);
  const tail = new NativeTail(
    kernels,
    pack,
    pack.map((m) => m.start!),
  );
  for (const [i, m] of pack.entries()) {
    m.params = tail.params[i]!;
    m.start = undefined;
    scatter(m.firstKernel!, w1, dim, width, m.col, m.width);
    m.firstKernel = undefined;
    if (m.settings.resume) restoreSlots(m, m.settings.resume, { s1, s2, dim, width });
  }
  const maxEpochs = Math.max(...pack.map((m) => m.settings.epochs));
  const rowsMax = Math.max(data.valid.rows, ...data.train.blocks.map((b) => b.end - b.begin));
  const z1 = new Float32Array(rowsMax * width);
  const dOut = new Float32Array(rowsMax * width);
  const bias = new Float32Array(width);
  const leave = (m: Member, error?: Error): void => {
    m.done = true;
    m.error = error;
    m.onDone?.(error ?? m.best!);
  };

  const blocks = data.train.blocks;
  // The members that sit the current batch out (they keep no row of it).
  const idle = new Set<Member>();
  for (let epoch = 1; epoch <= maxEpochs && pack.some((m) => !m.done); epoch++) {
    for (const m of pack) [m.lossSum, m.correct] = [0, 0];
    // Each step's kernel call also computes the next block's first layer (the next batch, after
    // the last one the valid split), with the weights it has just updated.
    kernels.forward(
      blockColumns(data.train, 0),
      data.train.rowIndex,
      data.train.values,
      blocks[0]!.end - blocks[0]!.begin,
      w1,
      packedBias(pack, bias),
      z1,
      width,
    );
    for (const [i, batch] of blocks.entries()) {
      const rows = batch.end - batch.begin;
      const own = trainRows[i];
      // Also sets the first layer's per-column rates (0 for members that have left) and Adam's corrections.
      tail.train(z1, width, rows, data.trainLabels.subarray(batch.begin, batch.end), dOut, lr, c1, c2, own);
      idle.clear();
      for (const [k, m] of pack.entries()) {
        if (m.done) continue;
        if (own && sitsOut(own, k)) {
          idle.add(m);
          continue;
        }
        const kept = own && own.at[2 * k]! >= 0 ? own.at[2 * k + 1]! : rows;
        m.lossSum = f32(m.lossSum + f32(tail.loss(k) * kept));
        m.correct += tail.correct(k);
        m.steps++;
      }
      const { groups, hyper } = idle.size > 0 ? columnGroups(order, width, idle) : everyColumn;
      const next = i + 1 < blocks.length ? { split: data.train, block: i + 1 } : { split: data.valid, block: 0 };
      const nextRows = next.split.blocks[next.block]!.end - next.split.blocks[next.block]!.begin;
      kernels.step(
        blockColumns(data.train, i),
        data.train.rowIndex,
        data.train.values,
        dOut.subarray(0, rows * width),
        w1,
        s1,
        s2,
        width,
        groups,
        lr,
        c1,
        c2,
        hyper,
        blockColumns(next.split, next.block),
        next.split.rowIndex,
        next.split.values,
        nextRows,
        packedBias(pack, bias),
        z1,
      );
    }
    tail.evaluate(z1, width, data.valid.rows, data.validLabels, validRows, logits);
    const ending = new Set<Member>();
    for (const [k, m] of pack.entries()) {
      if (m.done) continue;
      const rows = trainedRows(m.settings, data.train.rows);
      const judged = validatedRows(m.settings, data.valid.rows);
      const units = outputUnits(m.model);
      const at = logits.at[k]!;
      const metrics: EpochMetrics = {
        loss: m.lossSum / rows,
        accuracy: m.correct / rows,
        val_loss: tail.loss(k),
        val_accuracy: tail.correct(k) / judged,
        ...(at >= 0
          ? validationMetrics(logits.out.subarray(at, at + judged * units), judged, units, m.validLabels(data.validLabels), m.settings.classMetrics)
          : {}),
      };
      if (!Number.isFinite(metrics.loss)) {
        leave(m, new Error(`loss became ${metrics.loss} at epoch ${epoch}`));
        continue;
      }
      m.onEpoch(epoch, metrics);
      const value = metricValue(metrics, m.settings.objective);
      if (m.best === undefined || Direction.better(m.settings.direction, value, m.best.best)) {
        const weights = memberWeights(m, w1, dim, width);
        m.best = { best: value, bestEpoch: epoch, weights, ...(m.settings.checkpoint ? { checkpoint: memberCheckpoint(m, weights, s1, s2, dim, width) } : {}) };
      }
      if (epoch >= m.settings.epochs || m.stop?.(metrics)) ending.add(m);
    }
    // Only once every member has reported the epoch: a pruner judges a trial on all its executions.
    for (const m of pack) if (!m.done && (ending.has(m) || m.settings.pruned?.(epoch))) leave(m);
  }
  return pack.map((m) => m.error ?? m.best!);
}

/** Every member's first-layer bias, side by side in `bias`. */
function packedBias(pack: Member[], bias: Float32Array): Float32Array {
  for (const m of pack) bias.set(m.params[0]!.value, m.col);
  return bias;
}

/** Copies a D x cols kernel into columns at..at+cols of a D x width one. */
function scatter(src: Float32Array, dst: Float32Array, dim: number, width: number, at: number, cols: number): void {
  for (let d = 0; d < dim; d++) dst.set(src.subarray(d * cols, (d + 1) * cols), d * width + at);
}

/** The other way: columns at..at+cols of a D x width kernel as a D x cols one. */
function gather(src: Float32Array, dim: number, width: number, at: number, cols: number): Float32Array {
  const out = new Float32Array(dim * cols);
  for (let d = 0; d < dim; d++) out.set(src.subarray(d * width + at, d * width + at + cols), d * cols);
  return out;
}

function memberWeights(m: Member, w1: Float32Array, dim: number, width: number): StoredWeights {
  const shapes = weightShapes(m.model);
  const values = [gather(w1, dim, width, m.col, m.width), ...m.params.map((p) => p.value.slice())];
  return { tensors: values.map((v, i) => ({ shape: shapes[i]!.slice(), values: v })) };
}

/** The member's optimizer state in tfjs' slot layout, so that either engine resumes from it. */
function memberCheckpoint(m: Member, weights: StoredWeights, s1: Float32Array, s2: Float32Array, dim: number, width: number): Checkpoint {
  const shapes = weights.tensors.map((t) => t.shape);
  const slot = (first: Float32Array, rest: (p: Param) => Float32Array) =>
    [gather(first, dim, width, m.col, m.width), ...m.params.map((p) => rest(p).slice())].map((values, i) => ({ shape: shapes[i]!.slice(), values }));
  const zeros = () => shapes.map((shape) => ({ shape: shape.slice(), values: new Float32Array(shape.reduce((a, b) => a * b, 1)) }));
  const slots = {
    sgd: () => [],
    momentum: () => slot(s1, (p) => p.s1),
    // tfjs' rmsprop keeps a momentum slot too, always zero without momentum.
    rmsprop: () => [...slot(s1, (p) => p.s1), ...zeros()],
    adam: () => [...slot(s1, (p) => p.s1), ...slot(s2, (p) => p.s2)],
  }[m.kind]();
  return { weights, iterations: m.steps, slots: { tensors: slots } };
}

function restoreSlots(m: Member, checkpoint: Checkpoint, first: { s1: Float32Array; s2: Float32Array; dim: number; width: number }): void {
  m.steps = checkpoint.iterations;
  if (m.kind === 'sgd') return;
  const n = m.params.length + 1;
  const slots = checkpoint.slots.tensors.map((t) => t.values);
  const want = m.kind === 'momentum' ? n : 2 * n;
  if (slots.length !== want) throw new Error(`the checkpoint holds ${slots.length} optimizer slots, the model needs ${want}`);
  scatter(slots[0]!, first.s1, first.dim, first.width, m.col, m.width);
  m.params.forEach((p, i) => p.s1.set(slots[i + 1]!));
  if (m.kind === 'adam') {
    scatter(slots[n]!, first.s2, first.dim, first.width, m.col, m.width);
    m.params.forEach((p, i) => p.s2.set(slots[n + i + 1]!));
  }
}
