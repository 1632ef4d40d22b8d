import { createSession } from '../onnx/onnx-runtime.js';
import type { ConvBase } from './base.js';
import { readKerasWeights } from './keras-weights.js';
import { sessionBase } from './session-base.js';
import { VGG19_INPUT, VGG19_OUTPUT, vgg19Graph } from './vgg19-graph.js';
import { checkVgg19Size, vgg19WeightSpecs } from './vgg19-layers.js';

/**
 * VGG19 without its top on ONNX Runtime: the graph is built here from Keras' weights file
 * (the same reading as the tfjs base), for size x size images, with `threads` intra-op
 * threads. Gives the tfjs base's features within float rounding. Throws InputError for a
 * size below 32 or a weights file that is not VGG19's.
 */
export async function loadVgg19Onnx(weightsPath: string, size: number, threads: number): Promise<ConvBase> {
  checkVgg19Size(size);
  const weights = await readKerasWeights(weightsPath, vgg19WeightSpecs());
  const session = await createSession(vgg19Graph(weights, size), threads, weightsPath);
  return sessionBase(session, { name: 'vgg19', input: VGG19_INPUT, output: VGG19_OUTPUT, layout: 'nhwc', size });
}
