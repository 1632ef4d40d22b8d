import type { PreprocessMode } from '../preprocess.js';
import type { BaseSpec, ConvBase } from './base.js';
import { loadTfjsModel } from './tfjs-model.js';
import { loadVgg19 } from './vgg19.js';

/** Builds the base a spec names, for size x size images. Throws InputError on bad files. */
export async function loadBase(spec: BaseSpec, size: number): Promise<ConvBase> {
  return spec.kind === 'vgg19' ? loadVgg19(spec.weights, size) : loadTfjsModel(spec.model, spec.layer, size);
}

/**
 * The preprocessing a base was trained with, used when the user names none: Keras' caffe mode
 * for VGG19; [0, 1] for tfjs models, which is what most published tfjs models expect.
 */
export function defaultPreprocessing(spec: BaseSpec): PreprocessMode {
  return spec.kind === 'vgg19' ? 'caffe' : 'unit';
}
