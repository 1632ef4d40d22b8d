import { InputError } from '../../errors.js';
import type { PreprocessMode } from '../preprocess.js';
import type { BaseSpec, ConvBase, RuntimeChoice } from './base.js';
import { loadOnnxModel } from './onnx-file.js';
import { loadVgg19Onnx } from './vgg19-onnx.js';

/**
 * Builds the base a spec names, for size x size images, on the runtime chosen for it
 * (`chooseRuntime`). Called once per worker thread, and by predict. tfjs is imported only
 * when a tfjs base is asked for. Throws InputError on bad files or a base the runtime
 * cannot run.
 */
export async function loadBase(spec: BaseSpec, size: number, runtime: RuntimeChoice): Promise<ConvBase> {
  if (runtime.runtime === 'onnx') {
    if (spec.kind === 'onnx') return loadOnnxModel(spec.model, spec.layer, spec.layout, size, runtime.threads);
    if (spec.kind === 'vgg19') return loadVgg19Onnx(spec.weights, size, runtime.threads);
    throw new InputError('command line', '--runtime', `a tfjs model.json runs on tfjs only, got onnx for ${spec.model}`);
  }
  if (spec.kind === 'onnx') throw new InputError('command line', '--runtime', `an ONNX model runs on ONNX Runtime only, got tfjs for ${spec.model}`);
  const { tensorBase } = await import('./tensor-base.js');
  if (spec.kind === 'vgg19') {
    const { loadVgg19 } = await import('./vgg19.js');
    return tensorBase(await loadVgg19(spec.weights, size), size);
  }
  const { loadTfjsModel } = await import('./tfjs-model.js');
  return tensorBase(await loadTfjsModel(spec.model, spec.layer, size), size);
}

/**
 * The preprocessing a base was trained with, used when the user names none: Keras' caffe mode
 * for VGG19; [0, 1] for tfjs models, which is what most published tfjs models expect; for
 * ONNX models, torchvision's ImageNet mean and std when the input is NCHW (PyTorch's
 * exports) and [0, 1] when it is NHWC (Keras' and tfjs' exports, as for tfjs models).
 */
export function defaultPreprocessing(spec: BaseSpec): PreprocessMode {
  if (spec.kind === 'vgg19') return 'caffe';
  if (spec.kind === 'onnx') return spec.layout === 'nhwc' ? 'unit' : 'torch';
  return 'unit';
}
