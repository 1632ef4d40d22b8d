import { InputError } from '../../errors.js';
import type { LayerWeightSpec } from './keras-weights.js';

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

/** Throws InputError for an input size VGG19's poolings cannot take. */
export function checkVgg19Size(size: number): void {
  if (size < VGG19_MIN_SIZE) {
    throw new InputError('command line', '--size', `VGG19 needs at least ${VGG19_MIN_SIZE} pixels, got ${size}`);
  }
}
