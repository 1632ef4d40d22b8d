import * as tf from '@tensorflow/tfjs';
import type { ConcreteModel } from './model-spec.js';

/** Keras' epsilon for its optimizers (tfjs would take the backend's). */
const KERAS_EPSILON = 1e-7;

/** The optimizer a trial trains with, with Keras' defaults (rmsprop: rho 0.9, no momentum). */
export function makeOptimizer(model: ConcreteModel): tf.Optimizer {
  const { name, learningRate, momentum } = model.optimizer;
  switch (name) {
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, 0, KERAS_EPSILON);
    case 'adam':
      return tf.train.adam(learningRate, 0.9, 0.999, KERAS_EPSILON);
    case 'sgd':
      return momentum > 0 ? tf.train.momentum(learningRate, momentum) : tf.train.sgd(learningRate);
  }
}
