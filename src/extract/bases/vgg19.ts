import * as tf from '@tensorflow/tfjs';
import type { TensorBase } from './base.js';
import { readKerasWeights } from './keras-weights.js';
import { VGG19_BLOCKS, VGG19_MIN_SIZE, checkVgg19Size, vgg19WeightSpecs } from './vgg19-layers.js';

// The layer table moved beside the ONNX graph, which must not load tfjs; importers keep this path.
export { VGG19_BLOCKS, VGG19_MIN_SIZE, vgg19WeightSpecs };

/**
 * VGG19 without its top, built in tfjs-layers with Keras' layer names, weights loaded straight
 * from Keras' HDF5 file. 150x150 input gives a 4x4x512 map, 8192 features once flattened.
 */
export async function loadVgg19(weightsPath: string, size: number): Promise<TensorBase> {
  checkVgg19Size(size);
  const specs = vgg19WeightSpecs();
  const weights = await readKerasWeights(weightsPath, specs);
  const model = tf.sequential({ name: 'vgg19' });
  let i = 0;
  VGG19_BLOCKS.forEach((block, b) => {
    block.forEach((filters, c) => {
      model.add(
        tf.layers.conv2d({
          name: `block${b + 1}_conv${c + 1}`,
          filters,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          ...(i === 0 ? { inputShape: [size, size, 3] } : {}),
        }),
      );
      i++;
    });
    model.add(tf.layers.maxPooling2d({ name: `block${b + 1}_pool`, poolSize: 2, strides: 2 }));
  });
  const tensors = specs.flatMap((spec, k) => weights[k]!.map((values, j) => tf.tensor(values, spec.shapes[j]!)));
  model.setWeights(tensors);
  tf.dispose(tensors);
  return {
    name: 'vgg19',
    apply: (images) => model.predict(images) as tf.Tensor4D,
    dispose: () => model.dispose(),
  };
}
