import { InputError, type InputErrorFields } from '../errors.js';
import type { BaseSpec, ConvBase, RuntimeChoice } from './bases/base.js';
import { loadBase } from './bases/load-base.js';
import { featuresOf } from './features-of.js';
import type { Pooling } from './pooling.js';
import type { PreprocessMode } from './preprocess.js';

/** One batch of images for one worker: plain data, posted from the main thread. */
export interface ExtractTask {
  base: BaseSpec;
  runtime: RuntimeChoice;
  size: number;
  preprocess: PreprocessMode;
  pooling: Pooling;
  paths: string[];
}

/**
 * Features of the batch, row-major, with the shape of one row's map, and when this worker's
 * base was ready (ms since the epoch, comparable across threads); or the input error.
 */
export type ExtractResult = { features: Float32Array; featureShape: number[]; baseReadyAt: number } | { error: InputErrorFields };

/** A loaded base, and when it was ready (ms since the epoch, comparable across threads). */
interface Loaded {
  base: ConvBase;
  readyAt: number;
}

let cached: { key: string; loaded: Promise<Loaded> } | undefined;

/** Loads the base once per worker thread; a later task with another spec replaces it. */
function baseFor(task: ExtractTask): Promise<Loaded> {
  const key = JSON.stringify([task.base, task.size, task.runtime]);
  if (cached?.key !== key) {
    void cached?.loaded.then(
      ({ base }) => base.dispose(),
      () => undefined,
    );
    const loaded = startRuntime(task.runtime)
      .then(() => loadBase(task.base, task.size, task.runtime))
      .then((base) => ({ base: oneRunAtATime(base), readyAt: performance.timeOrigin + performance.now() }));
    cached = { key, loaded };
  }
  return cached.loaded;
}

/**
 * The worker takes a second batch while the first runs (TASKS_PER_WORKER in extract.ts), so
 * that the next batch's images are decoded while the base computes; the base itself runs one
 * batch at a time, since two runs at once would only split its intra-op threads.
 */
function oneRunAtATime(base: ConvBase): ConvBase {
  let last: Promise<unknown> = Promise.resolve();
  return {
    ...base,
    run: (pixels, n) => {
      const next = last.then(() => base.run(pixels, n));
      last = next.catch(() => undefined);
      return next;
    },
  };
}

/** Makes the task's tfjs backend current in this thread; ONNX Runtime needs no set-up. */
async function startRuntime(runtime: RuntimeChoice): Promise<void> {
  if (runtime.runtime !== 'tfjs') return;
  const { useBackend } = await import('../engine/backend.js');
  await useBackend(runtime.backend);
}

/** Piscina's entry point: decode, preprocess and run one batch through the base. */
export default async function extractBatch(task: ExtractTask): Promise<ExtractResult> {
  try {
    const { base, readyAt } = await baseFor(task);
    const { features, featureShape } = await featuresOf(base, task.paths, task.size, task.preprocess, task.pooling);
    // A batch is about 1 MB of features: cloning it back costs far less than the batch itself.
    return { features, featureShape, baseReadyAt: readyAt };
  } catch (err) {
    if (err instanceof InputError) return { error: err.toJSON() };
    throw err;
  }
}
