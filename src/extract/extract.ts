import { Piscina } from 'piscina';
import { FeatureWriter } from '../data/feature-writer.js';
import type { FeatureMeta } from '../data/feature-meta.js';
import { useBackend, type BackendName } from '../engine/backend.js';
import { InputError } from '../errors.js';
import { Rng } from '../random/rng.js';
import type { BaseSpec } from './bases/base.js';
import { defaultPreprocessing } from './bases/load-base.js';
import { checkImages } from './decode-image.js';
import { listImageFolder } from './image-folder.js';
import type { Pooling } from './pooling.js';
import type { PreprocessMode } from './preprocess.js';
import { EXTRACT_DEFAULTS } from './options.js';
import type { ExtractResult, ExtractTask } from './worker.js';

export { EXTRACT_DEFAULTS };

export interface ExtractOptions {
  imageDir: string;
  out: string;
  base: BaseSpec;
  size?: number;
  seed?: number;
  preprocess?: PreprocessMode;
  pooling?: Pooling;
  workers?: number;
  batchSize?: number;
  backend?: BackendName;
  /** Stops the extraction between batches; the partial file is removed. */
  signal?: AbortSignal;
  /** Called when the first batch is done: the base loaded and the images decode. */
  onStart?: (info: { images: number; classNames: string[]; backend: BackendName; workers: number }) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface ExtractSummary {
  out: string;
  rows: number;
  dim: number;
  featureShape: number[];
  classNames: string[];
  backend: BackendName;
  workers: number;
  seconds: number;
  imagesPerSecond: number;
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
  const workers = options.workers ?? EXTRACT_DEFAULTS.workers;
  const pooling = options.pooling ?? EXTRACT_DEFAULTS.pooling;
  const preprocessing = options.preprocess ?? defaultPreprocessing(options.base);
  const started = performance.now();

  const folder = listImageFolder(options.imageDir);
  await checkImages(folder.images.map((image) => image.path));
  const order = new Rng(seed).shuffle([...folder.images]);
  const backend = await useBackend(options.backend);

  const meta: FeatureMeta = {
    classNames: folder.classNames,
    base: options.base.kind === 'vgg19' ? 'vgg19' : options.base.model,
    ...(options.base.kind === 'tfjs' && options.base.layer !== undefined ? { layer: options.base.layer } : {}),
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
  });
  try {
    const batches: string[][] = [];
    for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize).map((image) => image.path));
    const task = (paths: string[]): ExtractTask => ({ base: options.base, backend, size, preprocess: preprocessing, pooling, paths });
    // A window of two batches per worker keeps every thread busy without holding every result.
    const window = workers * 2;
    const pending: Promise<ExtractResult>[] = [];
    let dim = 0;
    for (let b = 0; b < batches.length; b++) {
      while (pending.length < window && b + pending.length < batches.length) {
        const run = pool.run(task(batches[b + pending.length]!));
        // Batches still in flight when another fails are dropped; their errors must not escape.
        run.catch(() => undefined);
        pending.push(run);
      }
      const result = await pending.shift()!;
      if ('error' in result) throw InputError.from(result.error);
      // Announced once the base has proved it loads, so that bad input stays a single line.
      if (b === 0) options.onStart?.({ images: order.length, classNames: folder.classNames, backend, workers });
      if (options.signal?.aborted) throw options.signal.reason;
      dim = result.features.length / batches[b]!.length;
      meta.featureShape = result.featureShape;
      writer.writeRows(b * batchSize, result.features, dim);
      options.onProgress?.(Math.min((b + 1) * batchSize, order.length), order.length);
    }
    writer.commit();
    const seconds = (performance.now() - started) / 1000;
    return {
      out: options.out,
      rows: order.length,
      dim,
      featureShape: meta.featureShape ?? [],
      classNames: folder.classNames,
      backend,
      workers,
      seconds,
      imagesPerSecond: order.length / seconds,
    };
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    await pool.destroy();
  }
}
