import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../engine/backend.js';
import { InputError, type InputErrorFields } from '../errors.js';
import type { BaseSpec, ConvBase } from './bases/base.js';
import { loadBase } from './bases/load-base.js';
import { decodeInto } from './decode-image.js';
import { pool, type Pooling } from './pooling.js';
import { preprocess, type PreprocessMode } from './preprocess.js';

/** One batch of images for one worker: plain data, posted from the main thread. */
export interface ExtractTask {
  base: BaseSpec;
  backend: BackendName;
  size: number;
  preprocess: PreprocessMode;
  pooling: Pooling;
  paths: string[];
}

/** Features of the batch, row-major, with the shape of one row's map; or the input error. */
export type ExtractResult = { features: Float32Array; featureShape: number[] } | { error: InputErrorFields };

let cached: { key: string; base: Promise<ConvBase> } | undefined;

/** Loads the base once per worker thread; a later task with another spec replaces it. */
function baseFor(task: ExtractTask): Promise<ConvBase> {
  const key = JSON.stringify([task.base, task.size, task.backend]);
  if (cached?.key !== key) {
    void cached?.base.then((b) => b.dispose(), () => undefined);
    cached = {
      key,
      base: useBackend(task.backend).then(() => loadBase(task.base, task.size)),
    };
  }
  return cached.base;
}

/** Piscina's entry point: decode, preprocess and run one batch through the base. */
export default async function extractBatch(task: ExtractTask): Promise<ExtractResult> {
  try {
    const base = await baseFor(task);
    const { size, paths } = task;
    const pixels = new Float32Array(paths.length * size * size * 3);
    await Promise.all(paths.map((path, i) => decodeInto(path, size, pixels, i * size * size * 3)));
    preprocess(pixels, task.preprocess);
    const { features, featureShape } = tf.tidy(() => {
      const map = pool(base.apply(tf.tensor4d(pixels, [paths.length, size, size, 3])), task.pooling);
      return { features: map.dataSync() as Float32Array, featureShape: map.shape.slice(1) };
    });
    // A batch is about 1 MB of features: cloning it back costs far less than the batch itself.
    return { features, featureShape };
  } catch (err) {
    if (err instanceof InputError) return { error: err.toJSON() };
    throw err;
  }
}
