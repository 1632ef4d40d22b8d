import { InputError } from '../errors.js';

/**
 * Pixel preprocessing, applied to RGB values in 0..255, channels last.
 * - caffe: RGB -> BGR, minus the ImageNet means (Keras' VGG16/VGG19/ResNet50 preprocess_input)
 * - tf:    scaled to [-1, 1] (Keras' MobileNet/Inception)
 * - torch: to [0, 1], then ImageNet mean/std per channel (Keras' DenseNet)
 * - unit:  to [0, 1] (most tfjs models, including the MobileNetV2 in nsfwjs)
 * - none:  left in 0..255
 */
export const PREPROCESS_MODES = ['caffe', 'tf', 'torch', 'unit', 'none'] as const;
export type PreprocessMode = (typeof PREPROCESS_MODES)[number];

/** ImageNet channel means in B, G, R order, as Keras' caffe mode subtracts them. */
export const CAFFE_BGR_MEANS = [103.939, 116.779, 123.68] as const;
const TORCH_MEAN = [0.485, 0.456, 0.406] as const;
const TORCH_STD = [0.229, 0.224, 0.225] as const;

export function parsePreprocess(value: string, where: string): PreprocessMode {
  if ((PREPROCESS_MODES as readonly string[]).includes(value)) return value as PreprocessMode;
  throw new InputError('command line', where, `must be one of ${PREPROCESS_MODES.join(', ')}, got "${value}"`);
}

/** Rewrites `pixels` (n x h x w x 3, RGB 0..255) in place. */
export function preprocess(pixels: Float32Array, mode: PreprocessMode): void {
  switch (mode) {
    case 'caffe':
      for (let i = 0; i < pixels.length; i += 3) {
        const r = pixels[i]!;
        pixels[i] = pixels[i + 2]! - CAFFE_BGR_MEANS[0];
        pixels[i + 1] = pixels[i + 1]! - CAFFE_BGR_MEANS[1];
        pixels[i + 2] = r - CAFFE_BGR_MEANS[2];
      }
      return;
    case 'tf':
      for (let i = 0; i < pixels.length; i++) pixels[i] = pixels[i]! / 127.5 - 1;
      return;
    case 'torch':
      for (let i = 0; i < pixels.length; i++) {
        const c = i % 3;
        pixels[i] = (pixels[i]! / 255 - TORCH_MEAN[c]!) / TORCH_STD[c]!;
      }
      return;
    case 'unit':
      for (let i = 0; i < pixels.length; i++) pixels[i] = pixels[i]! / 255;
      return;
    case 'none':
      return;
  }
}
