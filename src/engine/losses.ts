import * as tf from '@tensorflow/tfjs';
import type { ConcreteModel } from './model-spec.js';

/** Mean loss of a batch from its logits; labels are class indices (float for binary). */
export function lossFromLogits(model: ConcreteModel, logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    if (model.loss === 'binary_crossentropy') {
      return tf.losses.sigmoidCrossEntropy(labels.reshape([-1, 1]), logits) as tf.Scalar;
    }
    const classes = logits.shape[1];
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels.toInt(), classes), logits) as tf.Scalar;
  });
}

/** How many rows of the batch are classified right (a scalar, to sum without syncing). */
export function correctCount(model: ConcreteModel, logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const predicted = model.loss === 'binary_crossentropy' ? logits.reshape([-1]).greater(0).cast('float32') : logits.argMax(1).cast('float32');
    return predicted.equal(labels).cast('float32').sum() as tf.Scalar;
  });
}

/**
 * A batch's loss with a weight per row: the weighted sum over the number of rows (every row
 * given weighs more than 0, see rows.ts), as lossFromLogits is the plain mean.
 */
export function weightedLoss(model: ConcreteModel, logits: tf.Tensor2D, labels: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const rows = logits.shape[0];
    const each =
      model.loss === 'binary_crossentropy'
        ? tf.losses.sigmoidCrossEntropy(labels.reshape([-1, 1]), logits, undefined, 0, tf.Reduction.NONE).reshape([-1])
        : tf.losses.softmaxCrossEntropy(tf.oneHot(labels.toInt(), logits.shape[1]), logits, undefined, 0, tf.Reduction.NONE);
    return each.mul(weights).sum().div(rows) as tf.Scalar;
  });
}
