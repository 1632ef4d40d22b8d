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
