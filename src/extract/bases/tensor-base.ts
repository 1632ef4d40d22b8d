import * as tf from '@tensorflow/tfjs';
import type { ConvBase, FeatureMap, TensorBase } from './base.js';

/**
 * A tfjs base as a ConvBase: the pixels become a tensor, the map comes back as plain data,
 * and every intermediate tensor is freed within the call. Called by `loadBase`.
 */
export function tensorBase(base: TensorBase, size: number): ConvBase {
  return {
    name: base.name,
    ...(base.layer !== undefined ? { layer: base.layer } : {}),
    runtime: 'tfjs',
    run: async (pixels, n): Promise<FeatureMap> => {
      const map = tf.tidy(() => base.apply(tf.tensor4d(pixels, [n, size, size, 3])));
      try {
        const [rows, h, w, c] = map.shape;
        return { data: map.dataSync() as Float32Array, shape: [rows, h, w, c] };
      } finally {
        map.dispose();
      }
    },
    dispose: () => base.dispose(),
  };
}
