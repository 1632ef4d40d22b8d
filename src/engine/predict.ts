import * as tf from '@tensorflow/tfjs';
import type { StoredWeights } from '../domain/weights.js';
import type { Probabilities } from '../metrics/classes.js';
import { Mlp } from './mlp.js';
import type { ConcreteModel } from './model-spec.js';

/**
 * A trial's class probabilities on `rows` rows of `data` (row-major, inputDim wide), from its
 * stored weights, as its exported model computes them: a sigmoid for a binary model (given as
 * 1 - p, p), a softmax otherwise. Called by `tune best` for the confusion matrix and the top
 * models' ensemble.
 */
export function classProbabilities(model: ConcreteModel, weights: StoredWeights, data: Float32Array, rows: number): Probabilities {
  const mlp = Mlp.fromWeights(model, weights);
  try {
    return tf.tidy(() => {
      const logits = mlp.logits(tf.tensor2d(data, [rows, model.inputDim]));
      if (model.loss !== 'binary_crossentropy') {
        return { values: tf.softmax(logits).dataSync() as Float32Array, rows, classes: logits.shape[1] };
      }
      const p = tf.sigmoid(logits).dataSync();
      const values = new Float32Array(rows * 2);
      for (let r = 0; r < rows; r++) {
        values[2 * r] = 1 - p[r]!;
        values[2 * r + 1] = p[r]!;
      }
      return { values, rows, classes: 2 };
    });
  } finally {
    mlp.dispose();
  }
}
