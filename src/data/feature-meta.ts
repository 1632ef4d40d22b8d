/**
 * What a feature file says about how it was made, so that a classifier trained on it can
 * later name its classes and `tune predict` can run new images through the same base.
 */
export interface FeatureMeta {
  /** Class names in label order (label i is classNames[i]). */
  classNames?: string[];
  /** `vgg19`, or the path of a tfjs model.json. */
  base?: string;
  /** The layer the base was cut at, when not its output. */
  layer?: string;
  /** Square input size in pixels the images were resized to. */
  inputSize?: number;
  /** Pixel preprocessing mode (see extract/preprocess.ts). */
  preprocessing?: string;
  /** Global pooling applied to the feature map: none, avg or max. */
  pooling?: string;
  /** The feature map's shape before flattening, [h, w, c]. */
  featureShape?: number[];
  /** The seed of the one shuffle of the rows. */
  seed?: number;
}

/** Attribute names on the file's root group; kept short and snake_case for h5py users. */
export const META_ATTRS = {
  classNames: 'class_names',
  base: 'base',
  layer: 'layer',
  inputSize: 'input_size',
  preprocessing: 'preprocessing',
  pooling: 'pooling',
  featureShape: 'feature_shape',
  seed: 'shuffle_seed',
} as const;
