import * as tf from '@tensorflow/tfjs';
import { Rng } from '../random/rng.js';
import type { Checkpoint, StoredWeights } from '../domain/weights.js';
import type { EpochMetrics } from '../domain/trial.js';
import { dropoutMask } from './dropout.js';
import { correctCount, lossFromLogits, weightedLoss } from './losses.js';
import { checkRows, trainedRows, validatedRows } from './rows.js';
import { disposeKept, idleBatches, keptRows, type KeptRows } from './tfjs-rows.js';
import { activate } from './mlp.js';
import { weightShapes } from './model-spec.js';
import type { PackMember } from './native/pack.js';
import { makeOptimizer } from './optimizers.js';
import { earlyStopper, restoreOptimizer, startingWeights, type Batches, type ExecutionResult, type SplitTensors } from './train.js';
import { Direction } from '../domain/direction.js';
import { metricValue } from '../domain/metrics.js';
import { validationMetrics } from '../metrics/class-metrics.js';

/** One member of a tfjs pack: its columns in its group's first layer, its own later layers. */
class Member {
  readonly rng: Rng;
  readonly width: number;
  col = 0;
  /** Kernels and biases after the first layer. */
  rest: tf.Variable[] = [];
  done = false;
  error: Error | undefined;
  best: ExecutionResult | undefined;
  readonly stop: ((m: EpochMetrics) => boolean) | undefined;
  lossSum: tf.Scalar | undefined;
  correct: tf.Scalar | undefined;
  init: Float32Array[];
  /** The rows it keeps of each training batch (tfjs-rows.ts), and the validation rows it is judged on. */
  kept: KeptRows[] | undefined;
  validIndex: tf.Tensor1D | undefined;
  validLabels: Int32Array = new Int32Array(0);

  constructor(readonly spec: PackMember) {
    this.rng = new Rng(spec.settings.seed);
    this.init = startingWeights(spec.model, spec.settings, this.rng);
    this.width = weightShapes(spec.model)[0]![1]!;
    this.stop = spec.settings.earlyStopping ? earlyStopper(spec.settings.earlyStopping) : undefined;
  }

  /** The member's logits from its slice of the first layer's outputs. */
  logits(z1: tf.Tensor2D, training: boolean): tf.Tensor2D {
    let h = z1.slice([0, this.col], [-1, this.width]);
    let v = 0;
    const layers = this.spec.model.layers;
    const last = layers.length - 1;
    layers.forEach((layer, i) => {
      if (layer.kind === 'dropout') {
        if (training && layer.rate > 0) {
          const [rows, cols] = h.shape;
          h = h.mul(tf.tensor2d(dropoutMask(this.rng, rows, cols, layer.rate), [rows, cols]));
        }
        return;
      }
      if (i > 0) h = h.matMul(this.rest[v++] as tf.Tensor2D).add(this.rest[v++]!);
      if (i !== last) h = activate(h, layer.activation);
    });
    return h;
  }
}

/**
 * Members that share an optimizer (kind, rate, momentum and step count): their first-layer
 * kernels are one variable, side by side, stepped by one tfjs optimizer with their other
 * tensors. A member resumed from a checkpoint is a group of its own, so that its optimizer
 * state goes back exactly where it came from.
 */
class Group {
  readonly w1: tf.Variable;
  readonly b1: tf.Variable;
  readonly optimizer: tf.Optimizer;
  readonly variables: tf.Variable[];
  readonly width: number;

  constructor(
    readonly members: Member[],
    dim: number,
  ) {
    let width = 0;
    for (const m of members) {
      m.col = width;
      width += m.width;
    }
    this.width = width;
    const kernel = new Float32Array(dim * width);
    const bias = new Float32Array(width);
    for (const m of members) {
      const k = m.init[0]!;
      for (let d = 0; d < dim; d++) kernel.set(k.subarray(d * m.width, (d + 1) * m.width), d * width + m.col);
      bias.set(m.init[1]!, m.col);
    }
    this.w1 = tf.variable(tf.tensor2d(kernel, [dim, width]));
    this.b1 = tf.variable(tf.tensor1d(bias));
    const shapes = (m: Member) => weightShapes(m.spec.model);
    for (const m of members) m.rest = m.init.slice(2).map((values, i) => tf.variable(tf.tensor(values, shapes(m)[i + 2]!)));
    this.variables = [this.w1, this.b1, ...members.flatMap((m) => m.rest)];
    this.optimizer = makeOptimizer(members[0]!.spec.model);
  }

  /** The member's weights now, in its own layout. */
  weights(m: Member): StoredWeights {
    const shapes = weightShapes(m.spec.model);
    const values = [
      columns(this.w1, m.col, m.width),
      (this.b1.dataSync() as Float32Array).slice(m.col, m.col + m.width),
      ...m.rest.map((v) => (v.dataSync() as Float32Array).slice()),
    ];
    return { tensors: values.map((v, i) => ({ shape: shapes[i]!.slice(), values: v })) };
  }

  /** The member's optimizer state in tfjs' layout for the member alone. */
  async checkpoint(m: Member, weights: StoredWeights): Promise<Checkpoint> {
    const [iterations, ...slots] = await this.optimizer.getWeights();
    const steps = iterations!.tensor.dataSync()[0]!;
    iterations!.tensor.dispose();
    const n = this.variables.length;
    const own = m.rest.map((v) => this.variables.indexOf(v));
    const out: Checkpoint['slots']['tensors'] = [];
    for (let s = 0; s < slots.length / n; s++) {
      const at = (i: number) => slots[s * n + i]!.tensor;
      const first = [
        columns(at(0), m.col, m.width),
        (at(1).dataSync() as Float32Array).slice(m.col, m.col + m.width),
        ...own.map((i) => (at(i).dataSync() as Float32Array).slice()),
      ];
      first.forEach((values, i) => out.push({ shape: weights.tensors[i]!.shape.slice(), values }));
    }
    return { weights, iterations: steps, slots: { tensors: out } };
  }

  dispose(): void {
    tf.dispose(this.variables);
    this.optimizer.dispose();
  }
}

function columns(t: tf.Tensor, col: number, width: number): Float32Array {
  const [dim, all] = t.shape as [number, number];
  const values = t.dataSync() as Float32Array;
  const out = new Float32Array(dim * width);
  for (let d = 0; d < dim; d++) out.set(values.subarray(d * all + col, d * all + col + width), d * width);
  return out;
}

/**
 * The tfjs engine's pack, for GPUs above all: each step computes every member's first layer
 * with one product over the batch (the groups' kernels side by side), then each member's own
 * layers, dropout and loss; one gradient pass serves them all and each group's optimizer steps
 * its members. A member ends as it would alone, within float rounding. What it returns and
 * calls is what trainPack (the native pack) returns and calls.
 */
export async function trainPackTfjs(train: Batches, valid: SplitTensors, specs: PackMember[]): Promise<(ExecutionResult | Error)[]> {
  for (const s of specs) checkRows(s.settings, train.rows, valid.rows);
  const pack = specs.map((s) => new Member(s));
  const dim = train.batches[0]!.x.shape[1];
  const sizes = train.batches.map((b) => b.size);
  for (const m of pack) {
    m.kept = keptRows(m.spec.settings, sizes);
    const own = m.spec.settings.validRows;
    if (own) m.validIndex = tf.tensor1d(own, 'int32');
    m.validLabels = own ? Int32Array.from(own, (r) => valid.labels[r]!) : valid.labels;
  }
  const byKey = new Map<string, Member[]>();
  pack.forEach((m, i) => {
    const { name, learningRate, momentum } = m.spec.model.optimizer;
    // Members that sit out different batches step their optimizers a different number of times.
    const key = m.spec.settings.resume ? `resumed ${i}` : `${name}|${learningRate}|${momentum}|${idleBatches(m.kept)}`;
    byKey.set(key, [...(byKey.get(key) ?? []), m]);
  });
  const groups = [...byKey.values()].map((members) => new Group(members, dim));
  for (const g of groups) {
    const resume = g.members[0]!.spec.settings.resume;
    if (resume) await restoreOptimizer(g.optimizer, resume);
  }
  const leave = (m: Member, error?: Error): void => {
    m.done = true;
    m.error = error;
    m.spec.onDone?.(error ?? m.best!);
  };
  try {
    const maxEpochs = Math.max(...pack.map((m) => m.spec.settings.epochs));
    for (let epoch = 1; epoch <= maxEpochs && pack.some((m) => !m.done); epoch++) {
      const live = pack.filter((m) => !m.done);
      for (const m of live) [m.lossSum, m.correct] = [tf.scalar(0), tf.scalar(0)];
      for (const [b, { x, y, size }] of train.batches.entries()) {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(
            () => {
              const z1 = x
                .matMul(
                  tf.concat(
                    groups.map((g) => g.w1),
                    1,
                  ),
                )
                .add(tf.concat(groups.map((g) => g.b1))) as tf.Tensor2D;
              let total = tf.scalar(0);
              let at = 0;
              for (const g of groups) {
                const zg = z1.slice([0, at], [-1, g.width]);
                at += g.width;
                for (const m of g.members) {
                  const own = m.kept?.[b];
                  if (m.done || own === null) continue;
                  const labels = own ? y.gather(own.index) : y;
                  const logits = m.logits(own ? (own.select.matMul(zg) as tf.Tensor2D) : zg, true);
                  const loss = own ? weightedLoss(m.spec.model, logits, labels, own.weights) : lossFromLogits(m.spec.model, logits, y);
                  const right = correctCount(m.spec.model, logits, labels);
                  const [lossSum, correct] = [m.lossSum!.add(loss.mul(own ? own.rows : size)), m.correct!.add(right)];
                  tf.dispose([m.lossSum!, m.correct!]);
                  [m.lossSum, m.correct] = [tf.keep(lossSum as tf.Scalar), tf.keep(correct as tf.Scalar)];
                  total = total.add(loss);
                }
              }
              return total;
            },
            groups.flatMap((g) => g.variables),
          );
          // Every variable gets a gradient, zero for members that have left, so that each
          // optimizer keeps its slots in the same order.
          // A group whose members keep no row of this batch takes no step, as each of them alone.
          for (const g of groups) {
            if (g.members[0]!.kept?.[b] === null) continue;
            g.optimizer.applyGradients(g.variables.map((v) => ({ name: v.name, tensor: grads[v.name] ?? tf.zerosLike(v) })));
          }
        });
      }
      const z1 = tf.tidy(
        () =>
          valid.x
            .matMul(
              tf.concat(
                groups.map((g) => g.w1),
                1,
              ),
            )
            .add(tf.concat(groups.map((g) => g.b1))) as tf.Tensor2D,
      );
      const ending = new Set<Member>();
      try {
        let at = 0;
        for (const g of groups) {
          for (const m of g.members) {
            if (m.done) continue;
            const [lossSum, correct] = [m.lossSum!.dataSync()[0]!, m.correct!.dataSync()[0]!];
            tf.dispose([m.lossSum!, m.correct!]);
            const judged = tf.tidy(() => {
              const zg = z1.slice([0, at], [-1, g.width]) as tf.Tensor2D;
              const labels = m.validIndex ? valid.y.gather(m.validIndex) : valid.y;
              const logits = m.logits(m.validIndex ? (zg.gather(m.validIndex) as tf.Tensor2D) : zg, false);
              const request = m.spec.settings.classMetrics;
              const rows = validatedRows(m.spec.settings, valid.rows);
              return {
                val_loss: lossFromLogits(m.spec.model, logits, labels).dataSync()[0]!,
                val_accuracy: correctCount(m.spec.model, logits, labels).dataSync()[0]! / rows,
                ...(request ? validationMetrics(logits.dataSync() as Float32Array, rows, logits.shape[1], m.validLabels, request) : {}),
              };
            });
            const rows = trainedRows(m.spec.settings, train.rows);
            const metrics: EpochMetrics = { loss: lossSum / rows, accuracy: correct / rows, ...judged };
            if (!Number.isFinite(metrics.loss)) {
              leave(m, new Error(`loss became ${metrics.loss} at epoch ${epoch}`));
              continue;
            }
            m.spec.onEpoch(epoch, metrics);
            const value = metricValue(metrics, m.spec.settings.objective);
            if (m.best === undefined || Direction.better(m.spec.settings.direction, value, m.best.best)) {
              const weights = g.weights(m);
              m.best = { best: value, bestEpoch: epoch, weights, ...(m.spec.settings.checkpoint ? { checkpoint: await g.checkpoint(m, weights) } : {}) };
            }
            if (epoch >= m.spec.settings.epochs || m.stop?.(metrics)) ending.add(m);
          }
          at += g.width;
        }
      } finally {
        z1.dispose();
      }
      // Only once every member has reported the epoch: a pruner judges a trial on all its executions.
      for (const m of pack) if (!m.done && (ending.has(m) || m.spec.settings.pruned?.(epoch))) leave(m);
    }
    return pack.map((m) => m.error ?? m.best!);
  } finally {
    for (const g of groups) g.dispose();
    for (const m of pack) {
      disposeKept(m.kept);
      m.validIndex?.dispose();
    }
  }
}
