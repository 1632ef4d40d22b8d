import type { Rng } from '../../random/rng.js';
import { fillDropoutMask } from '../dropout.js';
import type { ConcreteModel } from '../model-spec.js';

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
  readonly rng: Rng;
  readonly col: number;
  readonly width: number;
  /** b1 then every later kernel and bias, in layer order. */
  readonly params: Param[];
  readonly kind: Kind;
  readonly hyper: [number, number, number];
  readonly steps: number;
  readonly scratch: Scratch;
}

/**
 * A member's working arrays, made on its first step and reused by every later one: a step of
 * a small tail allocating a dozen arrays spent more time in the allocator and the collector
 * than in arithmetic. Buffers are numbered in the order a step asks for them, which is the
 * same every step of a member.
 */
export class Scratch {
  private readonly buffers: Float32Array[] = [];
  private next = 0;

  /** Starts a step: buffers are handed out from the first again. */
  reset(): void {
    this.next = 0;
  }

  /** The next buffer, `length` long; zeroed when asked (the others are fully overwritten). */
  take(length: number, zero = false): Float32Array {
    let b = this.buffers[this.next];
    if (b === undefined || b.length < length) {
      b = new Float32Array(length);
      this.buffers[this.next] = b;
      zero = false;
    }
    this.next++;
    const view = b.length === length ? b : b.subarray(0, length);
    if (zero) view.fill(0);
    return view;
  }
}

type Step =
  | { kind: 'act'; pre: Float32Array; out: Float32Array; activation: string }
  | { kind: 'drop'; mask: Float32Array }
  | { kind: 'dense'; input: Float32Array; inCols: number; outCols: number; param: number };

export interface TailResult {
  loss: number;
  correct: number;
  /** In training: writes the first-layer output gradient into dOut and steps every later tensor. */
  backward?: (dOut: Float32Array, width: number) => void;
}

/**
 * The member's part of a step after the packed product: its later layers, loss and accuracy
 * on `rows` rows of z1; in training also the backward pass, which writes the gradient of its
 * first-layer outputs into dOut and updates every other tensor of the member. Called by
 * trainPack for every member and block; the arrays it returns live until its next call.
 */
export function memberStep(m: TailMember, z1: Float32Array, width: number, rows: number, labels: Int32Array, training: boolean): TailResult {
  const layers = m.model.layers;
  const scratch = m.scratch;
  scratch.reset();
  // Forward, keeping what backward needs: each dense layer's input and pre-activation.
  let h = scratch.take(rows * m.width);
  for (let r = 0; r < rows; r++) for (let k = 0, at = r * width + m.col, to = r * m.width; k < m.width; k++) h[to + k] = z1[at + k]!;
  let cols = m.width;
  const steps: Step[] = [];
  let param = 1;
  const last = layers.length - 1;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    if (i > 0 && layer.kind === 'dense') {
      const out = layer.units;
      const w = m.params[param]!.value;
      const b = m.params[param + 1]!.value;
      const next = scratch.take(rows * out);
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < out; o++) {
          let sum = b[o]!;
          for (let k = 0; k < cols; k++) sum += h[r * cols + k]! * w[k * out + o]!;
          next[r * out + o] = sum;
        }
      }
      steps.push({ kind: 'dense', input: h, inCols: cols, outCols: out, param });
      param += 2;
      h = next;
      cols = out;
    } else if (layer.kind === 'dropout') {
      if (training && layer.rate > 0) {
        const mask = fillDropoutMask(m.rng, scratch.take(rows * cols), layer.rate);
        const next = scratch.take(h.length);
        for (let k = 0; k < h.length; k++) next[k] = h[k]! * mask[k]!;
        steps.push({ kind: 'drop', mask });
        h = next;
      }
      continue;
    }
    if (layer.kind === 'dense' && i !== last) {
      const out = activate(h, scratch.take(h.length), layer.activation);
      steps.push({ kind: 'act', pre: h, out, activation: layer.activation });
      h = out;
    }
  }
  const grad = scratch.take(h.length);
  const { loss, correct } = lossAndGradient(m.model, h, rows, cols, labels, grad);
  if (!training) return { loss, correct };
  const backward = (dOut: Float32Array, width: number): void => {
    let g: Float32Array = grad;
    const updates: [Param, Float32Array][] = [];
    for (let s = steps.length - 1; s >= 0; s--) {
      const step = steps[s]!;
      if (step.kind === 'act') g = activateBackward(step.pre, step.out, g, scratch.take(g.length), step.activation);
      else if (step.kind === 'drop') {
        const next = scratch.take(g.length);
        for (let k = 0; k < g.length; k++) next[k] = g[k]! * step.mask[k]!;
        g = next;
      } else {
        const { input, inCols, outCols } = step;
        const w = m.params[step.param]!.value;
        const dw = scratch.take(w.length, true);
        const db = scratch.take(outCols, true);
        const dIn = scratch.take(rows * inCols, true);
        for (let r = 0; r < rows; r++) {
          for (let o = 0; o < outCols; o++) {
            const go = g[r * outCols + o]!;
            db[o]! += go;
            for (let k = 0; k < inCols; k++) {
              dw[k * outCols + o]! += input[r * inCols + k]! * go;
              dIn[r * inCols + k]! += w[k * outCols + o]! * go;
            }
          }
        }
        updates.push([m.params[step.param]!, dw], [m.params[step.param + 1]!, db]);
        g = dIn;
      }
    }
    // g is now the gradient of the first layer's outputs (B x width of this member).
    const db1 = scratch.take(m.width, true);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < m.width; k++) {
        const v = g[r * m.width + k]!;
        dOut[r * width + m.col + k] = v;
        db1[k]! += v;
      }
    }
    updates.push([m.params[0]!, db1]);
    const t = m.steps + 1;
    for (const [p, grad] of updates) optimizerStep(p, grad, m.kind, m.hyper, m.model.optimizer.learningRate, t);
  };
  return { loss, correct, backward };
}

/** Loss from logits, as tf.losses.sigmoidCrossEntropy / softmaxCrossEntropy (mean over rows), and its gradient. */
function lossAndGradient(
  model: ConcreteModel,
  h: Float32Array,
  rows: number,
  cols: number,
  labels: Int32Array,
  grad: Float32Array,
): { loss: number; correct: number } {
  let loss = 0;
  let correct = 0;
  if (model.loss === 'binary_crossentropy') {
    for (let r = 0; r < rows; r++) {
      const z = h[r]!;
      const y = labels[r]!;
      loss = f32(loss + (Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)))));
      if ((z > 0 ? 1 : 0) === y) correct++;
      grad[r] = (1 / (1 + Math.exp(-z)) - y) / rows;
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const row = h.subarray(r * cols, (r + 1) * cols);
      let top = 0;
      for (let k = 1; k < cols; k++) if (row[k]! > row[top]!) top = k;
      const max = row[top]!;
      let sum = 0;
      for (let k = 0; k < cols; k++) sum += Math.exp(row[k]! - max);
      const y = labels[r]!;
      loss = f32(loss + (Math.log(sum) + max - row[y]!));
      if (top === y) correct++;
      for (let k = 0; k < cols; k++) grad[r * cols + k] = (Math.exp(row[k]! - max) / sum - (k === y ? 1 : 0)) / rows;
    }
  }
  return { loss: f32(loss / rows), correct };
}

/** One optimizer step on a small tensor, with the kernel's formulas (tfjs' forms). */
function optimizerStep(p: Param, g: Float32Array, optimizer: Kind, [b1, b2, eps]: [number, number, number], lr: number, t: number): void {
  const { value, s1, s2 } = p;
  if (optimizer === 'sgd') {
    for (let j = 0; j < value.length; j++) value[j]! -= lr * g[j]!;
  } else if (optimizer === 'momentum') {
    for (let j = 0; j < value.length; j++) {
      s1[j] = s1[j]! * b1 + g[j]!;
      value[j]! -= lr * s1[j]!;
    }
  } else if (optimizer === 'rmsprop') {
    for (let j = 0; j < value.length; j++) {
      s1[j] = s1[j]! * b1 + g[j]! * g[j]! * (1 - b1);
      value[j]! -= (lr * g[j]!) / Math.sqrt(s1[j]! + eps);
    }
  } else {
    const k1 = 1 / (1 - b1 ** t);
    const k2 = 1 / (1 - b2 ** t);
    for (let j = 0; j < value.length; j++) {
      s1[j] = b1 * s1[j]! + (1 - b1) * g[j]!;
      s2[j] = b2 * s2[j]! + (1 - b2) * g[j]! * g[j]!;
      value[j]! -= (lr * (s1[j]! * k1)) / (Math.sqrt(s2[j]! * k2) + eps);
    }
  }
}

function activate(h: Float32Array, out: Float32Array, activation: string): Float32Array {
  const n = h.length;
  if (activation === 'relu') for (let k = 0; k < n; k++) out[k] = h[k]! > 0 ? h[k]! : 0;
  else if (activation === 'sigmoid') for (let k = 0; k < n; k++) out[k] = 1 / (1 + Math.exp(-h[k]!));
  else if (activation === 'tanh') for (let k = 0; k < n; k++) out[k] = Math.tanh(h[k]!);
  else out.set(h);
  return out;
}

function activateBackward(pre: Float32Array, out: Float32Array, g: Float32Array, into: Float32Array, activation: string): Float32Array {
  const n = g.length;
  if (activation === 'relu') for (let k = 0; k < n; k++) into[k] = pre[k]! > 0 ? g[k]! : 0;
  else if (activation === 'sigmoid') for (let k = 0; k < n; k++) into[k] = g[k]! * out[k]! * (1 - out[k]!);
  else if (activation === 'tanh') for (let k = 0; k < n; k++) into[k] = g[k]! * (1 - out[k]! * out[k]!);
  else into.set(g);
  return into;
}
