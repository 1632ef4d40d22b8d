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
const HEADER = 12;
const OP = 4;
const REALS = 6;
const H = { col: 0, width: 1, loss: 2, kind: 3, alive: 4, ops: 5, nops: 6, reals: 7, bias: 8, rows: 9, nrows: 10, logits: 11 } as const;
const R = { lr: 0, h0: 1, h1: 2, eps: 3, k1: 4, k2: 5 } as const;
const OPS = { dense: 0, activation: 1, dropout: 2 } as const;
/** A linear activation is no op at all, forward or backward. */
const ACTIVATIONS: Record<string, number | undefined> = { relu: 0, sigmoid: 1, tanh: 2, linear: undefined };

/**
 * The rows each member works on in one tail call, when some have rows of their own: member i's
 * are index[at[2i] ..][.. at[2i + 1]] (at[2i] = -1: every row), with their training loss
 * weights at the same places of `weights` (empty: all 1).
 */
export interface MemberRows {
  index: Int32Array;
  weights: Float32Array;
  at: Int32Array;
}

/** Where each member's last-layer outputs go in an evaluation: member i's at out[at[i] ..] (-1: nowhere). */
export interface MemberLogits {
  out: Float32Array;
  at: Int32Array;
}

const NONE_I = new Int32Array(0);
const NONE_F = new Float32Array(0);

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
      this.plan.set([m.col, m.width, loss, KIND[m.kind], 1, opAt, list.length / OP, i * REALS, offsets[i]![0]!, -1, 0, -1], 1 + i * HEADER);
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
   * hold member i's mean loss and correct rows. With `own`, a member works on its rows only,
   * and one with none this step (`sitsOut`) takes no step at all, as a member that has left.
   */
  train(
    z1: Float32Array,
    width: number,
    rows: number,
    labels: Int32Array,
    dOut: Float32Array,
    lr: Float32Array,
    c1: Float32Array,
    c2: Float32Array,
    own?: MemberRows,
  ): void {
    this.setRows(own);
    for (const [i, m] of this.members.entries()) {
      const skip = m.done || (own !== undefined && sitsOut(own, i));
      this.plan[1 + i * HEADER + H.alive] = skip ? 0 : 1;
      this.plan[1 + i * HEADER + H.logits] = -1;
      if (m.kind === 'adam' && !skip) {
        const t = m.steps + 1;
        this.reals[i * REALS + R.k1] = 1 / (1 - m.hyper[0] ** t);
        this.reals[i * REALS + R.k2] = 1 / (1 - m.hyper[1] ** t);
      }
    }
    this.call(z1, width, rows, labels, 1, [dOut, lr, c1, c2], own?.index ?? NONE_I, own?.weights ?? NONE_F, NONE_F);
  }

  /**
   * Loss and accuracy of every member still in the pack on `rows` rows of z1 (with `own`, on
   * each member's rows), without dropout; read them with loss(i) and correct(i). With
   * `logits`, each member's last-layer outputs are written there too.
   */
  evaluate(z1: Float32Array, width: number, rows: number, labels: Int32Array, own?: MemberRows, logits?: MemberLogits): void {
    this.setRows(own);
    for (const [i, m] of this.members.entries()) {
      this.plan[1 + i * HEADER + H.alive] = m.done ? 0 : 1;
      this.plan[1 + i * HEADER + H.logits] = logits ? logits.at[i]! : -1;
    }
    this.call(z1, width, rows, labels, 0, [NONE_F, NONE_F, NONE_F, NONE_F], own?.index ?? NONE_I, NONE_F, logits?.out ?? NONE_F);
  }

  private call(
    z1: Float32Array,
    width: number,
    rows: number,
    labels: Int32Array,
    training: 0 | 1,
    [dOut, lr, c1, c2]: Float32Array[],
    index: Int32Array,
    weights: Float32Array,
    logits: Float32Array,
  ): void {
    this.kernels.tail(this.plan, this.reals, this.arena, this.rng, z1, width, rows, labels, training, dOut!, lr!, c1!, c2!, this.out, index, weights, logits);
  }

  private setRows(own: MemberRows | undefined): void {
    for (let i = 0; i < this.members.length; i++) {
      this.plan[1 + i * HEADER + H.rows] = own ? own.at[2 * i]! : -1;
      this.plan[1 + i * HEADER + H.nrows] = own ? own.at[2 * i + 1]! : 0;
    }
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

/** True when member i has rows of its own in `own` and none of them this step. */
export function sitsOut(own: MemberRows, i: number): boolean {
  return own.at[2 * i]! >= 0 && own.at[2 * i + 1]! === 0;
}
