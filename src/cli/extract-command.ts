import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { BACKENDS, type BackendName } from '../engine/backend.js';
import { InputError } from '../errors.js';
import type { BaseSpec } from '../extract/bases/base.js';
import { EXTRACT_DEFAULTS, POOLINGS, type Pooling } from '../extract/options.js';
import { PREPROCESS_MODES, type PreprocessMode } from '../extract/preprocess.js';
import { progressReporter } from '../tui/progress.js';
import { interruptSignal } from './fail.js';
import { choiceFlag, intFlag } from './parse.js';

/** The file name Keras gives VGG19's no-top ImageNet weights, also in its download cache. */
export const VGG19_WEIGHTS_FILE = 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5';

interface ExtractFlags {
  base: string;
  weights?: string;
  layer?: string;
  size: number;
  seed: number;
  pool: Pooling;
  preprocess?: PreprocessMode;
  workers: number;
  batch: number;
  backend?: BackendName;
  overwrite?: boolean;
  json?: boolean;
}

export function registerExtract(program: Command): void {
  program
    .command('extract')
    .description('run every image of IMAGE_DIR/<class>/ through a pretrained conv base and cache the features in HDF5')
    .argument('<image_dir>', 'folder with one sub-folder of images per class (names sorted give labels 0..K-1)')
    .argument('<out>', 'the HDF5 file to write (datasets data (N, D) float32 and labels (N,) int64)')
    .option('--base <name>', 'vgg19, or the path of a tfjs Layers/Graph model.json', 'vgg19')
    .option('--weights <file>', `VGG19's Keras weights (${VGG19_WEIGHTS_FILE}); default: the Keras cache ~/.keras/models/`)
    .option('--layer <name>', 'cut a tfjs model at this layer (or graph node)')
    .option('--size <px>', 'square input size images are resized to (bilinear)', intFlag('--size', 1, 4096), EXTRACT_DEFAULTS.size)
    .option('--seed <n>', 'seed of the one shuffle of the rows', intFlag('--seed', 0, 0xffffffff), EXTRACT_DEFAULTS.seed)
    .option('--pool <how>', `global pooling of the feature map: ${POOLINGS.join(', ')}`, choiceFlag('--pool', POOLINGS), EXTRACT_DEFAULTS.pooling)
    .option('--preprocess <mode>', `pixel preprocessing: ${PREPROCESS_MODES.join(', ')} (default: caffe for vgg19, unit for tfjs models)`, choiceFlag('--preprocess', PREPROCESS_MODES))
    .option('--workers <n>', 'worker threads', intFlag('--workers', 1, 256), EXTRACT_DEFAULTS.workers)
    .option('--batch <n>', 'images per worker task', intFlag('--batch', 1, 4096), EXTRACT_DEFAULTS.batchSize)
    .option('--backend <name>', `tfjs backend: ${BACKENDS.join(', ')} (default: the first that loads)`, choiceFlag('--backend', BACKENDS))
    .option('--overwrite', 'replace OUT if it exists')
    .option('--json', 'print the summary as one JSON line')
    .action(async (imageDir: string, out: string, flags: ExtractFlags) => {
      if (existsSync(out) && !flags.overwrite) {
        throw new InputError(out, 'file', 'already exists; pass --overwrite to replace it');
      }
      const { extract } = await import('../extract/extract.js');
      const progress = progressReporter('extract', 'images');
      const summary = await extract({
        imageDir,
        out,
        base: baseSpec(flags),
        size: flags.size,
        seed: flags.seed,
        pooling: flags.pool,
        workers: flags.workers,
        batchSize: flags.batch,
        ...(flags.preprocess ? { preprocess: flags.preprocess } : {}),
        ...(flags.backend ? { backend: flags.backend } : {}),
        signal: interruptSignal(),
        onStart: ({ images, classNames, backend, workers }) => {
          process.stderr.write(
            `extract: ${images} images, ${classNames.length} classes (${classNames.join(', ')}), base ${flags.base}, backend ${backend}, ${workers} workers\n`,
          );
        },
        onProgress: (done, total) => progress.update(done, total),
      }).finally(() => progress.finish());
      if (flags.json) {
        // Worker threads live in this process, so its peak RSS covers the whole extraction.
        const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
        process.stdout.write(`${JSON.stringify({ ...summary, peakRssMiB })}\n`);
      } else {
        process.stdout.write(
          `wrote ${summary.out}: ${summary.rows} rows x ${summary.dim} features (map ${summary.featureShape.join('x')}), ` +
            `classes ${summary.classNames.join(', ')}; ${summary.imagesPerSecond.toFixed(1)} images/s on ${summary.backend}\n`,
        );
      }
    });
}

/**
 * The base that `--base`, `--weights` and `--layer` name, checked together. Shared by extract
 * and predict; throws InputError for a flag that does not fit the base.
 */
export function baseSpec(flags: { base: string; weights?: string; layer?: string }): BaseSpec {
  if (flags.base === 'vgg19') {
    if (flags.layer !== undefined) throw new InputError('command line', '--layer', 'applies to tfjs models only; vgg19 always ends at block5_pool');
    return { kind: 'vgg19', weights: flags.weights ?? kerasCachedWeights() };
  }
  if (!flags.base.endsWith('.json')) {
    throw new InputError('command line', '--base', `must be vgg19 or a path to a tfjs model.json, got "${flags.base}"`);
  }
  if (flags.weights !== undefined) throw new InputError('command line', '--weights', 'applies to --base vgg19 only; a tfjs model.json names its own weights');
  return { kind: 'tfjs', model: flags.base, ...(flags.layer !== undefined ? { layer: flags.layer } : {}) };
}

/** Keras' own cached copy of the VGG19 weights, or InputError asking for --weights. */
function kerasCachedWeights(): string {
  const home = process.env['KERAS_HOME'] ?? join(homedir(), '.keras');
  const cached = join(home, 'models', VGG19_WEIGHTS_FILE);
  if (existsSync(cached)) return cached;
  throw new InputError(
    'command line',
    '--weights',
    `is required with --base vgg19: give Keras' ${VGG19_WEIGHTS_FILE} (not found at ${cached}; see the README)`,
  );
}
