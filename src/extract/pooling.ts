import * as tf from '@tensorflow/tfjs';
import type { Pooling } from './options.js';

export { POOLINGS, type Pooling } from './options.js';

/** Applies `pooling` to a (n, h, w, c) map; returns a new tensor (or the same one for none). */
export function pool(map: tf.Tensor4D, pooling: Pooling): tf.Tensor4D {
  if (pooling === 'none') return map;
  return pooling === 'avg' ? map.mean([1, 2], true) : map.max([1, 2], true);
}
