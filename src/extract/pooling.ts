import * as tf from '@tensorflow/tfjs';

/**
 * What happens to the base's feature map before it is flattened: nothing (the seed's
 * Flatten), or a global average or max over the spatial positions (Keras' `pooling=`), which
 * shrinks h x w x c features to c.
 */
export const POOLINGS = ['none', 'avg', 'max'] as const;
export type Pooling = (typeof POOLINGS)[number];

/** Applies `pooling` to a (n, h, w, c) map; returns a new tensor (or the same one for none). */
export function pool(map: tf.Tensor4D, pooling: Pooling): tf.Tensor4D {
  if (pooling === 'none') return map;
  return pooling === 'avg' ? map.mean([1, 2], true) : map.max([1, 2], true);
}
