import type * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../engine/backend.js';

/** Memory layouts of an image tensor: channels first (PyTorch's) or last (Keras'). */
export const LAYOUTS = ['nchw', 'nhwc'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** Which convolutional base to build; plain data, so it can be posted to workers. */
export type BaseSpec =
  | { kind: 'vgg19'; weights: string }
  | { kind: 'tfjs'; model: string; layer?: string }
  /** `layout` is the model's input layout, detected from its input shape unless given. */
  | { kind: 'onnx'; model: string; layer?: string; layout?: Layout };

/** The engines a base can run on. */
export const RUNTIMES = ['onnx', 'tfjs'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** How a base runs: on ONNX Runtime's CPU provider, or on one tfjs backend. Plain data. */
export type RuntimeChoice = { runtime: 'onnx'; threads: number } | { runtime: 'tfjs'; backend: BackendName };

/** A batch's feature maps, row-major, with their (n, h, w, c) shape: channels last. */
export interface FeatureMap {
  data: Float32Array;
  shape: [number, number, number, number];
}

/**
 * A pretrained convolutional base, cut where its features are taken, on one runtime. Built
 * once per worker thread by `loadBase` and then fed batch after batch.
 */
export interface ConvBase {
  /** What the feature file records as its base: `vgg19` or the model's path. */
  readonly name: string;
  /** The layer features are taken from, when not the model's own output. */
  readonly layer?: string;
  readonly runtime: Runtime;
  /**
   * Runs `n` preprocessed images, (n, size, size, 3) channels last, the size the base was
   * loaded for, and resolves to their feature maps. Called by `featuresOf` (extract's workers,
   * predict). Rejects on a shape the base cannot take.
   */
  run(pixels: Float32Array, n: number): Promise<FeatureMap>;
  /** Frees the model; called when a worker drops its base. */
  dispose(): void;
}

/**
 * A tfjs base as tfjs' own loaders build it: tensors in and out, synchronously. `tensorBase`
 * (tensor-base.ts) turns one into a ConvBase.
 */
export interface TensorBase {
  readonly name: string;
  readonly layer?: string;
  /**
   * Runs a batch of preprocessed images (n, size, size, 3) and returns the feature map
   * (n, h, w, c). The caller owns and disposes both tensors. Throws on a shape the base
   * cannot take (for example an input smaller than its pooling allows).
   */
  apply(images: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}
