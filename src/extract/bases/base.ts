import type * as tf from '@tensorflow/tfjs';

/** Which convolutional base to build; plain data, so it can be posted to workers. */
export type BaseSpec =
  | { kind: 'vgg19'; weights: string }
  | { kind: 'tfjs'; model: string; layer?: string };

/**
 * A pretrained convolutional base, cut where its features are taken. Built once per worker
 * thread by `loadBase` and then fed batch after batch.
 */
export interface ConvBase {
  /** What the feature file records as its base: `vgg19` or the model.json path. */
  readonly name: string;
  /** The layer features are taken from, when not the model's own output. */
  readonly layer?: string;
  /**
   * Runs a batch of preprocessed images (n, size, size, 3) and returns the feature map
   * (n, h, w, c). The caller owns and disposes both tensors. Throws on a shape the base
   * cannot take (for example an input smaller than its pooling allows).
   */
  apply(images: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}
