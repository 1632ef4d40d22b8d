import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random/rng.js';
import type { StoredWeights } from '../domain/weights.js';
import { initialWeights } from './execution.js';
import { weightShapes, type ConcreteModel } from './model-spec.js';

/**
 * A dense classifier as plain tfjs variables, trained by our own loop: the forward pass is a
 * few ops, dropout masks come from seeded draws (so a seed repeats a run), and the last
 * layer's activation is folded into the loss (computed from logits, numerically stable).
 */
export class Mlp {
  readonly variables: tf.Variable[];

  constructor(
    readonly model: ConcreteModel,
    init: Float32Array[],
  ) {
    const shapes = weightShapes(model);
    this.variables = shapes.map((shape, i) => tf.variable(tf.tensor(init[i]!, shape), true));
  }

  /** Keras' defaults: Glorot-uniform kernels, zero biases, drawn from `rng` (see initialWeights). */
  static initial(model: ConcreteModel, rng: Rng): Float32Array[] {
    return initialWeights(model, rng);
  }

  static fromWeights(model: ConcreteModel, weights: StoredWeights): Mlp {
    return new Mlp(
      model,
      weights.tensors.map((t) => t.values),
    );
  }

  /**
   * Logits of the output layer (its activation is left to the loss). `dropout` switches
   * dropout on (training): it gives each dropout layer's mask (see dropoutMask).
   */
  logits(x: tf.Tensor2D, dropout?: (rows: number, cols: number, rate: number) => Float32Array): tf.Tensor2D {
    let h = x;
    let v = 0;
    const last = this.model.layers.length - 1;
    this.model.layers.forEach((layer, i) => {
      if (layer.kind === 'dropout') {
        if (dropout && layer.rate > 0) {
          const [rows, cols] = h.shape;
          h = h.mul(tf.tensor2d(dropout(rows, cols, layer.rate), [rows, cols]));
        }
        return;
      }
      h = h.matMul(this.variables[v++] as tf.Tensor2D).add(this.variables[v++]!);
      if (i !== last) h = activate(h, layer.activation);
    });
    return h;
  }

  /** The current weights, copied out. */
  weights(): StoredWeights {
    return { tensors: this.variables.map((t) => ({ shape: t.shape.slice(), values: t.dataSync() as Float32Array })) };
  }

  dispose(): void {
    tf.dispose(this.variables);
  }
}

/** A layer's activation as tfjs ops (the last layer's is left to the loss). */
export function activate(h: tf.Tensor2D, activation: string): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.relu(h);
    case 'sigmoid':
      return tf.sigmoid(h);
    case 'softmax':
      return tf.softmax(h);
    case 'tanh':
      return tf.tanh(h);
    case 'elu':
      return tf.elu(h);
    case 'selu':
      return tf.selu(h);
    case 'gelu':
      // tfjs has no gelu op; the tanh form is what Keras uses with approximate=True.
      return tf.tidy(() => h.mul(0.5).mul(tf.tanh(h.add(h.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1)));
    case 'swish':
      return h.mul(tf.sigmoid(h));
    default:
      return h;
  }
}
