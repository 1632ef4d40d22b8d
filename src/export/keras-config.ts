import type { ConcreteModel } from '../engine/model-spec.js';
import { InputError } from '../errors.js';

/** One layer of the Keras model: its name, its `get_config()` entry, and its weights' names in order. */
export interface KerasLayer {
  name: string;
  config: { class_name: string; config: Record<string, unknown> };
  weights: string[];
}

/**
 * Activations whose Keras 2.x name computes what tune trains. gelu is left out on purpose:
 * Keras' "gelu" is the exact form, and tune trains the tanh form (approximate=True), which a
 * string in a layer's config cannot ask for.
 */
const KERAS_ACTIVATIONS = new Set(['relu', 'sigmoid', 'softmax', 'tanh', 'elu', 'selu', 'swish', 'linear']);

/**
 * The trial's layers as Keras 2.x names and configures them in a Sequential: `dense`,
 * `dense_1`, … and `dropout`, `dropout_1`, …, as Keras' own automatic names run in a fresh
 * session; Glorot-uniform kernels and zero biases as their (unused) initialisers. Throws
 * InputError, naming `path`, for an activation that Keras would compute otherwise.
 */
export function kerasLayers(model: ConcreteModel, path: string): KerasLayer[] {
  const seen = new Map<string, number>();
  const named = (base: string): string => {
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  };
  return model.layers.map((layer, i) => {
    if (layer.kind === 'dropout') {
      const name = named('dropout');
      return {
        name,
        config: { class_name: 'Dropout', config: { name, trainable: true, dtype: 'float32', rate: layer.rate, noise_shape: null, seed: null } },
        weights: [],
      };
    }
    if (!KERAS_ACTIVATIONS.has(layer.activation)) {
      throw new InputError(path, `layer ${i + 1}`, `has activation ${layer.activation}, which Keras computes otherwise than tune; export it as model.json`);
    }
    const name = named('dense');
    return {
      name,
      config: {
        class_name: 'Dense',
        config: {
          name,
          trainable: true,
          dtype: 'float32',
          units: layer.units,
          activation: layer.activation,
          use_bias: true,
          kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
          bias_initializer: { class_name: 'Zeros', config: {} },
          kernel_regularizer: null,
          bias_regularizer: null,
          activity_regularizer: null,
          kernel_constraint: null,
          bias_constraint: null,
        },
      },
      weights: ['kernel', 'bias'],
    };
  });
}
