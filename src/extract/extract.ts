import { Piscina } from 'piscina';
import { FeatureWriter } from '../data/feature-writer.js';
import type { FeatureMeta } from '../data/feature-meta.js';
import type { BackendName } from '../engine/backend.js';
import { InputError } from '../errors.js';
import { Rng } from '../random/rng.js';
import type { BaseSpec, Runtime, RuntimeChoice } from './bases/base.js';
import { defaultPreprocessing } from './bases/load-base.js';
import { planOnnxModel } from './bases/onnx-file.js';
import { checkImages } from './decode-image.js';
import { listImageFolder } from './image-folder.js';
import type { Pooling } from './pooling.js';
import type { PreprocessMode } from './preprocess.js';
import { EXTRACT_DEFAULTS } from './options.js';
import { chooseRuntime } from './runtime.js';
import type { ExtractResult, ExtractTask } from './worker.js';

export { EXTRACT_DEFAULTS };

/** Batches a worker holds at once: one computing, one decoding its images meanwhile. */
const TASKS_PER_WORKER = 2;

export interface ExtractOptions {
  imageDir: string;
  out: string;
  base: BaseSpec;
  size?: number;
  seed?: number;
  preprocess?: PreprocessMode;
  pooling?: Pooling;
  /** Default: RUNTIME_WORKERS of the runtime chosen. */
  workers?: number;
  batchSize?: number;
  /** Default: ONNX Runtime where the base can run on it and it loads (see chooseRuntime). */
  runtime?: Runtime;
  backend?: BackendName;
  /** Stops the extraction between batches; the partial file is removed. */
  signal?: AbortSignal;
  /** Called when the first batch is done: the base loaded and the images decode. */
  onStart?: (info: { images: number; classNames: string[]; runtime: RuntimeChoice; fallback?: string; workers: number }) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface ExtractSummary {
  out: string;
  rows: number;
  dim: number;
  featureShape: number[];
  classNames: string[];
  runtime: Runtime;
  /** The tfjs backend, or `onnxruntime-cpu`. */
  backend: string;
  /** ONNX Runtime's intra-op threads per worker. */
  threads?: number;
  workers: number;
  /** The whole extraction, from the call: checking images, loading the base, every batch. */
  seconds: number;
  imagesPerSecond: number;
  /**
   * From the first worker's base being ready to the last row written: the images' own cost,
   * the figure to set beside a loop timed after its model loaded.
   */
  loopSeconds: number;
  loopImagesPerSecond: number;
}

/**
 * `tune extract`: every image of a class-folder tree, shuffled once with the seed, run through
 * the base in a pool of worker threads, written to `out` in the seed's HDF5 layout. Batches
 * are fixed-size and written in order, so the file is the same for any number of workers.
 * Throws InputError for bad folders, images, weights or models; nothing is left at `out` then.
 */
export async function extract(options: ExtractOptions): Promise<ExtractSummary> {
  const size = options.size ?? EXTRACT_DEFAULTS.size;
  const seed = options.seed ?? EXTRACT_DEFAULTS.seed;
  const batchSize = options.batchSize ?? EXTRACT_DEFAULTS.batchSize;
  const pooling = options.pooling ?? EXTRACT_DEFAULTS.pooling;
  const started = performance.now();

  const folder = listImageFolder(options.imageDir);
  await checkImages(folder.images.map((image) => image.path));
  const order = new Rng(seed).shuffle([...folder.images]);
  // An ONNX model is read and cut here once, so that a bad one stops before any worker
  // starts, and so that its layout is known: it picks the default preprocessing.
  const base: BaseSpec =
    options.base.kind === 'onnx'
      ? { ...options.base, layout: planOnnxModel(options.base.model, options.base.layer, options.base.layout, size).io.layout }
      : options.base;
  const preprocessing = options.preprocess ?? defaultPreprocessing(base);
  const {
    choice: runtime,
    workers,
    fallback,
  } = await chooseRuntime(base, {
    ...(options.runtime ? { runtime: options.runtime } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.workers ? { workers: options.workers } : {}),
  });

  const meta: FeatureMeta = {
    classNames: folder.classNames,
    base: base.kind === 'vgg19' ? 'vgg19' : base.model,
    ...(base.kind !== 'vgg19' && base.layer !== undefined ? { layer: base.layer } : {}),
    inputSize: size,
    preprocessing,
    pooling,
    seed,
  };
  const writer = await FeatureWriter.create(options.out, {
    rows: order.length,
    labels: order.map((image) => image.label),
    paths: order.map((image) => image.path),
    meta,
  });
  const pool = new Piscina<ExtractTask, ExtractResult>({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: TASKS_PER_WORKER,
  });
  // Once a batch has failed (or a signal came), the batches still in flight are dropped, and one
  // that finishes after pool.destroy() comes back as an 'error' event ("Unexpected message from
  // Worker"), which without a listener ends the process as an internal error. Before that, such
  // an event is a real fault, and the extraction ends with it.
  let stopping = false;
  let fault: unknown;
  pool.on('error', (err: unknown) => {
    if (!stopping) fault ??= err;
  });
  try {
    const batches: string[][] = [];
    for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize).map((image) => image.path));
    const task = (paths: string[]): ExtractTask => ({ base, runtime, size, preprocess: preprocessing, pooling, paths });
    // One batch queued beyond those a worker holds keeps it busy without holding every result.
    const window = workers * (TASKS_PER_WORKER + 1);
    const pending: Promise<ExtractResult>[] = [];
    let dim = 0;
    let loopStart = Infinity;
    for (let b = 0; b < batches.length; b++) {
      while (pending.length < window && b + pending.length < batches.length) {
        const run = pool.run(task(batches[b + pending.length]!));
        // Batches still in flight when another fails are dropped; their errors must not escape.
        run.catch(() => undefined);
        pending.push(run);
      }
      const result = await pending.shift()!;
      if (fault !== undefined) throw fault;
      if ('error' in result) throw InputError.from(result.error);
      loopStart = Math.min(loopStart, result.baseReadyAt);
      // Announced once the base has proved it loads, so that bad input stays a single line.
      if (b === 0) options.onStart?.({ images: order.length, classNames: folder.classNames, runtime, ...(fallback ? { fallback } : {}), workers });
      if (options.signal?.aborted) throw options.signal.reason;
      dim = result.features.length / batches[b]!.length;
      meta.featureShape = result.featureShape;
      writer.writeRows(b * batchSize, result.features, dim);
      options.onProgress?.(Math.min((b + 1) * batchSize, order.length), order.length);
    }
    writer.commit();
    const seconds = (performance.now() - started) / 1000;
    const loopSeconds = order.length > 0 ? (performance.timeOrigin + performance.now() - loopStart) / 1000 : 0;
    return {
      out: options.out,
      rows: order.length,
      dim,
      featureShape: meta.featureShape ?? [],
      classNames: folder.classNames,
      runtime: runtime.runtime,
      ...(runtime.runtime === 'onnx' ? { backend: 'onnxruntime-cpu', threads: runtime.threads } : { backend: runtime.backend }),
      workers,
      seconds,
      imagesPerSecond: order.length / seconds,
      loopSeconds,
      loopImagesPerSecond: order.length / loopSeconds,
    };
  } catch (err) {
    stopping = true;
    writer.abort();
    throw err;
  } finally {
    stopping = true;
    await pool.destroy();
  }
}
