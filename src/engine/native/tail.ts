import type { Rng } from '../../random/rng.js';
import type { ConcreteModel } from '../model-spec.js';
import type { NativeKernels } from './addon.js';

/**
 * Sums of losses are kept in float32, as tfjs keeps them, so that a loss too large for float32
 * becomes Infinity and fails the trial in both engines alike.
 */
export const f32 = Math.fround;

/** The kernel's optimizer kinds (native/first_layer.c); sgd with momentum is a kind of its own. */
export const KIND = { sgd: 0, rmsprop: 1, adam: 2, momentum: 3 } as const;
export type Kind = keyof typeof KIND;

/** One tensor of a member beyond the packed first kernel, with its optimizer slots. */
export interface Param {
  value: Float32Array;
  s1: Float32Array;
  s2: Float32Array;
}

/** What the tail reads of a pack member (see Member in pack.ts). */
export interface TailMember {
  readonly model: ConcreteModel;
  /** Its generator after its starting weights were drawn: the tail draws its dropout masks on from there. */
  readonly rng: Rng;
  /** Its columns in the packed first layer. */
  readonly col: number;
  readonly width: number;
  readonly kind: Kind;
  readonly hyper: [number, number, number];
  /** Optimizer steps taken so far. */
  readonly steps: number;
  /** It has left the pack: its columns stay frozen. */
  readonly done: boolean;
}

// The layout native/tail.c reads (its header comment describes every field).
const HEADER = 9;
const OP = 4;
const REALS = 6;
const H = { col: 0, width: 1, loss: 2, kind: 3, alive: 4, ops: 5, nops: 6, reals: 7, bias: 8 } as const;
const R = { lr: 0, h0: 1, h1: 2, eps: 3, k1: 4, k2: 5 } as const;
const OPS = { dense: 0, activation: 1, dropout: 2 } as const;
/** A linear activation is no op at all, forward or backward. */
const ACTIVATIONS: Record<string, number | undefined> = { relu: 0, sigmoid: 1, tanh: 2, linear: undefined };

/**
 * Every member's part of a step after the packed product, in one native call for the whole
 * pack (native/tail.c): its later layers, dropout, loss, accuracy, backward pass and the
 * optimizer steps of its small tensors. The members' tensors and optimizer slots live side by
 * side in one arena that the kernel updates in place; `params` views them, in tfjs' order.
 * Built by trainPack once per pack, after every member's starting weights are drawn.
 */
export class NativeTail {
  /** Per member: its first-layer bias then every later kernel and bias, views into the arena. */
  readonly params: Param[][];
  private readonly plan: Int32Array;
  private readonly reals: Float64Array;
  private readonly arena: Float32Array;
  private readonly rng: Uint32Array;
  private readonly out: Float64Array;

  /** `start[i]`: member i's starting b1 and later tensors, in layer order. Throws for a layer with no native form. */
  constructor(
    private readonly kernels: NativeKernels,
    private readonly members: readonly TailMember[],
    start: Float32Array[][],
  ) {
    const ops: number[][] = [];
    const rates: number[] = [];
    const rateAt: number[][] = [];
    let arenaLength = 0;
    const offsets: number[][] = [];
    for (const [i, m] of members.entries()) {
      // Each tensor of n values, then its two optimizer slots of n.
      offsets.push(
        start[i]!.map((t) => {
          arenaLength += 3 * t.length;
          return arenaLength - 3 * t.length;
        }),
      );
      const list: number[] = [];
      const at: number[] = [];
      let param = 1;
      const last = m.model.layers.length - 1;
      m.model.layers.forEach((layer, l) => {
        if (layer.kind === 'dropout') {
          // A rate of 0 draws nothing, as the tfjs engine draws nothing for it.
          if (layer.rate > 0) {
            at.push(list.length + 1);
            list.push(OPS.dropout, rates.length, 0, 0);
            rates.push(layer.rate);
          }
          return;
        }
        if (l > 0) {
          list.push(OPS.dense, layer.units, offsets[i]![param]!, offsets[i]![param + 1]!);
          param += 2;
        }
        if (l === last) return;
        if (!(layer.activation in ACTIVATIONS)) throw new Error(`activation ${layer.activation} has no native form`);
        const code = ACTIVATIONS[layer.activation];
        if (code !== undefined) list.push(OPS.activation, code, 0, 0);
      });
      ops.push(list);
      rateAt.push(at);
    }
    const realsStart = members.length * REALS;
    const opsStart = 1 + members.length * HEADER;
    this.plan = new Int32Array(opsStart + ops.reduce((n, list) => n + list.length, 0));
    this.reals = new Float64Array(realsStart + rates.length);
    this.reals.set(rates, realsStart);
    this.arena = new Float32Array(arenaLength);
    this.rng = Uint32Array.from(members, (m) => m.rng.position);
    this.out = new Float64Array(2 * members.length);
    this.plan[0] = members.length;
    let opAt = opsStart;
    for (const [i, m] of members.entries()) {
      const list = ops[i]!;
      // Dropout ops name their rate by its index in reals.
      for (const k of rateAt[i]!) list[k] = list[k]! + realsStart;
      this.plan.set(list, opAt);
      const loss = m.model.loss === 'binary_crossentropy' ? 0 : 1;
      this.plan.set([m.col, m.width, loss, KIND[m.kind], 1, opAt, list.length / OP, i * REALS, offsets[i]![0]!], 1 + i * HEADER);
      this.reals.set([m.model.optimizer.learningRate, ...m.hyper, 0, 0], i * REALS);
      opAt += list.length;
    }
    this.params = start.map((tensors, i) =>
      tensors.map((t, k) => {
        const p = offsets[i]![k]!;
        const n = t.length;
        const value = this.arena.subarray(p, p + n);
        value.set(t);
        return { value, s1: this.arena.subarray(p + n, p + 2 * n), s2: this.arena.subarray(p + 2 * n, p + 3 * n) };
      }),
    );
  }

  /**
   * One training step of every member still in the pack on `rows` rows of z1 (rows x width):
   * writes dOut (rows x width, zeros in the columns of members that have left), the per-column
   * learning rates (0 there) and, for Adam members, the bias corrections c1 and c2 that the
   * first layer's step reads; updates every member's small tensors. Then loss(i) and correct(i)
   * hold member i's mean loss and correct rows.
   */
  train(z1: Float32Array, width: number, rows: number, labels: Int32Array, dOut: Float32Array, lr: Float32Array, c1: Float32Array, c2: Float32Array): void {
    for (const [i, m] of this.members.entries()) {
      this.plan[1 + i * HEADER + H.alive] = m.done ? 0 : 1;
      if (m.kind === 'adam' && !m.done) {
        const t = m.steps + 1;
        this.reals[i * REALS + R.k1] = 1 / (1 - m.hyper[0] ** t);
        this.reals[i * REALS + R.k2] = 1 / (1 - m.hyper[1] ** t);
      }
    }
    this.kernels.tail(this.plan, this.reals, this.arena, this.rng, z1, width, rows, labels, 1, dOut, lr, c1, c2, this.out);
  }

  /** Loss and accuracy of every member still in the pack on `rows` rows of z1, without dropout; read them with loss(i) and correct(i). */
  evaluate(z1: Float32Array, width: number, rows: number, labels: Int32Array): void {
    for (const [i, m] of this.members.entries()) this.plan[1 + i * HEADER + H.alive] = m.done ? 0 : 1;
    const none = new Float32Array(0);
    this.kernels.tail(this.plan, this.reals, this.arena, this.rng, z1, width, rows, labels, 0, none, none, none, none, this.out);
  }

  /** Member i's mean loss (float32) in the last train or evaluate call. */
  loss(i: number): number {
    return this.out[2 * i]!;
  }

  /** Member i's correctly classified rows in the last train or evaluate call. */
  correct(i: number): number {
    return this.out[2 * i + 1]!;
  }
}
