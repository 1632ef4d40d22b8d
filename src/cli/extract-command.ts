import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { BACKENDS, type BackendName } from '../engine/backend.js';
import { InputError } from '../errors.js';
import { LAYOUTS, RUNTIMES, type BaseSpec, type Layout, type Runtime } from '../extract/bases/base.js';
import { EXTRACT_DEFAULTS, POOLINGS, type Pooling } from '../extract/options.js';
import { describeRuntime } from '../extract/runtime.js';
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
  layout?: Layout;
  size: number;
  seed: number;
  pool: Pooling;
  preprocess?: PreprocessMode;
  workers?: number;
  batch: number;
  runtime?: Runtime;
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
    .option('--base <name>', 'vgg19, the path of a tfjs Layers/Graph model.json, or the path of an ONNX model (.onnx)', 'vgg19')
    .option('--weights <file>', `VGG19's Keras weights (${VGG19_WEIGHTS_FILE}); default: the Keras cache ~/.keras/models/`)
    .option('--layer <name>', 'cut a tfjs model at this layer (or graph node), an ONNX model at this node output (or node)')
    .option(
      '--layout <layout>',
      `input layout of an ONNX model: ${LAYOUTS.join(', ')} (default: from its input shape, else nchw)`,
      choiceFlag('--layout', LAYOUTS),
    )
    .option('--size <px>', 'square input size images are resized to (bilinear)', intFlag('--size', 1, 4096), EXTRACT_DEFAULTS.size)
    .option('--seed <n>', 'seed of the one shuffle of the rows', intFlag('--seed', 0, 0xffffffff), EXTRACT_DEFAULTS.seed)
    .option('--pool <how>', `global pooling of the feature map: ${POOLINGS.join(', ')}`, choiceFlag('--pool', POOLINGS), EXTRACT_DEFAULTS.pooling)
    .option(
      '--preprocess <mode>',
      `pixel preprocessing: ${PREPROCESS_MODES.join(', ')} (default: caffe for vgg19, unit for tfjs models, torch for NCHW and unit for NHWC ONNX models)`,
      choiceFlag('--preprocess', PREPROCESS_MODES),
    )
    .option('--workers <n>', 'worker threads (default: 1 on ONNX Runtime, which uses every core, else one per core)', intFlag('--workers', 1, 256))
    .option('--batch <n>', 'images per worker task', intFlag('--batch', 1, 4096), EXTRACT_DEFAULTS.batchSize)
    .option(
      '--runtime <name>',
      `engine that runs the base: ${RUNTIMES.join(', ')} (default: onnx for vgg19 where onnxruntime-node loads, and for .onnx models; tfjs for model.json)`,
      choiceFlag('--runtime', RUNTIMES),
    )
    .option(
      '--backend <name>',
      `tfjs backend: ${BACKENDS.join(', ')} (default: the first that loads); implies --runtime tfjs`,
      choiceFlag('--backend', BACKENDS),
    )
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
        ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
        batchSize: flags.batch,
        ...(flags.runtime ? { runtime: flags.runtime } : {}),
        ...(flags.preprocess ? { preprocess: flags.preprocess } : {}),
        ...(flags.backend ? { backend: flags.backend } : {}),
        signal: interruptSignal(),
        onStart: ({ images, classNames, runtime, fallback, workers }) => {
          process.stderr.write(
            `extract: ${images} images, ${classNames.length} classes (${classNames.join(', ')}), base ${flags.base}, ${describeRuntime(runtime)}, ` +
              `${workers} worker${workers === 1 ? '' : 's'}${fallback ? ` (tfjs because ${fallback})` : ''}\n`,
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
            `classes ${summary.classNames.join(', ')}; ${summary.imagesPerSecond.toFixed(1)} images/s on ${summary.runtime} (${summary.backend})\n`,
        );
      }
    });
}

/**
 * The base that `--base`, `--weights` and `--layer` name, checked together. Shared by extract
 * and predict; throws InputError for a flag that does not fit the base.
 */
export function baseSpec(flags: { base: string; weights?: string; layer?: string; layout?: Layout }): BaseSpec {
  const onnx = flags.base.toLowerCase().endsWith('.onnx');
  if (flags.layout !== undefined && !onnx) throw new InputError('command line', '--layout', `applies to ONNX models (.onnx) only, got --base ${flags.base}`);
  if (flags.base === 'vgg19') {
    if (flags.layer !== undefined) throw new InputError('command line', '--layer', 'applies to tfjs and ONNX models only; vgg19 always ends at block5_pool');
    return { kind: 'vgg19', weights: flags.weights ?? kerasCachedWeights() };
  }
  if (!flags.base.endsWith('.json') && !onnx) {
    throw new InputError('command line', '--base', `must be vgg19, a path to a tfjs model.json or to an ONNX model (.onnx), got "${flags.base}"`);
  }
  if (flags.weights !== undefined)
    throw new InputError('command line', '--weights', 'applies to --base vgg19 only; a tfjs or ONNX model holds its own weights');
  const layer = flags.layer !== undefined ? { layer: flags.layer } : {};
  if (onnx) return { kind: 'onnx', model: flags.base, ...layer, ...(flags.layout !== undefined ? { layout: flags.layout } : {}) };
  return { kind: 'tfjs', model: flags.base, ...layer };
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
