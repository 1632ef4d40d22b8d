import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../errors.js';
import type { ConvBase } from './base.js';
import { readKerasWeights, type LayerWeightSpec } from './keras-weights.js';

/** VGG19's convolutional blocks: filters per conv layer, block by block. */
export const VGG19_BLOCKS = [
  [64, 64],
  [128, 128],
  [256, 256, 256, 256],
  [512, 512, 512, 512],
  [512, 512, 512, 512],
] as const;

/** The smallest input that survives VGG19's five 2x2 poolings. */
export const VGG19_MIN_SIZE = 32;

/** Keras' layer names and weight shapes for every conv layer of VGG19, in order. */
export function vgg19WeightSpecs(): LayerWeightSpec[] {
  const specs: LayerWeightSpec[] = [];
  let channels = 3;
  VGG19_BLOCKS.forEach((block, b) => {
    block.forEach((filters, c) => {
      specs.push({ layer: `block${b + 1}_conv${c + 1}`, shapes: [[3, 3, channels, filters], [filters]] });
      channels = filters;
    });
  });
  return specs;
}

/**
 * VGG19 without its top, built in tfjs-layers with Keras' layer names, weights loaded straight
 * from Keras' HDF5 file. 150x150 input gives a 4x4x512 map, 8192 features once flattened.
 */
export async function loadVgg19(weightsPath: string, size: number): Promise<ConvBase> {
  if (size < VGG19_MIN_SIZE) {
    throw new InputError('command line', '--size', `VGG19 needs at least ${VGG19_MIN_SIZE} pixels, got ${size}`);
  }
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
