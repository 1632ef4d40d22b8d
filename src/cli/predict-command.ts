import type { Tensor } from '@tensorflow/tfjs';
import type { Command } from 'commander';
import { BACKENDS, useBackend, type BackendName } from '../engine/backend.js';
import { InputError } from '../errors.js';
import type { Pooling } from '../extract/options.js';
import type { PreprocessMode } from '../extract/preprocess.js';
import { readExportMetadata } from '../export/export-metadata.js';
import { chooseRuntime } from '../extract/runtime.js';
import { baseSpec } from './extract-command.js';
import { choiceFlag } from './parse.js';

interface PredictFlags {
  model: string;
  base?: string;
  weights?: string;
  layer?: string;
  json?: boolean;
  backend?: BackendName;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify images with an exported model: the same conv base and preprocessing as its features, then the classifier')
    .argument('<images...>', 'image files (JPEG, PNG, WebP)')
    .requiredOption('--model <model.json>', 'a model written by `tune best --export`')
    .option('--base <name>', 'override the recorded base: vgg19, a tfjs model.json or an ONNX model')
    .option('--weights <file>', 'VGG19 weights file (default: the Keras cache)')
    .option('--layer <name>', 'override the recorded layer of a tfjs base')
    .option('--backend <name>', `tfjs backend: ${BACKENDS.join(', ')}`, choiceFlag('--backend', BACKENDS))
    .option('--json', 'one JSON object per image')
    .action(async (images: string[], flags: PredictFlags) => {
      const [tf, { defaultPreprocessing, loadBase }, { loadLayersFile, readModelJson }, { featuresOf }, { checkImages }] = await Promise.all([
        import('@tensorflow/tfjs'),
        import('../extract/bases/load-base.js'),
        import('../extract/bases/model-files.js'),
        import('../extract/features-of.js'),
        import('../extract/decode-image.js'),
      ]);
      const json = readModelJson(flags.model);
      const meta = readExportMetadata(flags.model, json);
      const f = meta.features;
      const baseName = flags.base ?? f.base;
      if (!baseName || f.inputSize === undefined)
        throw new InputError(flags.model, 'userDefinedMetadata.tune.features', 'does not say which base made the features; pass --base');
      // The recorded layer belongs to a tfjs base; VGG19 has no cut to make.
      const layer = flags.layer ?? (baseName === 'vgg19' ? undefined : f.layer);
      const spec = baseSpec({ base: baseName, ...(flags.weights !== undefined ? { weights: flags.weights } : {}), ...(layer !== undefined ? { layer } : {}) });
      await checkImages(images);
      await useBackend(flags.backend);
      // The classifier first: its files are small, and a bad one is refused before the base loads.
      const classifier = await loadLayersFile(flags.model, json);
      // --backend is the classifier's; the base takes extract's default runtime.
      const base = await loadBase(spec, f.inputSize, (await chooseRuntime(spec, {})).choice);
      const mode = (f.preprocessing as PreprocessMode | undefined) ?? defaultPreprocessing(spec);
      const { features } = await featuresOf(base, images, f.inputSize, mode, (f.pooling as Pooling | undefined) ?? 'none');
      const dim = features.length / images.length;
      const expected = classifier.inputs[0]!.shape[1];
      if (dim !== expected) throw new InputError(flags.model, 'input', `takes ${expected} features, but the base gives ${dim}; check --base/--layer`);
      const probs = tf.tidy(() => (classifier.predict(tf.tensor2d(features, [images.length, dim])) as Tensor).arraySync() as number[][]);
      images.forEach((path, i) => {
        const p = probs[i]!;
        const binary = p.length === 1;
        const index = binary ? (p[0]! >= 0.5 ? 1 : 0) : p.indexOf(Math.max(...p));
        const name = meta.classNames[index] ?? String(index);
        if (flags.json) {
          const probabilities = binary ? [1 - p[0]!, p[0]!] : p;
          process.stdout.write(`${JSON.stringify({ image: path, class: name, label: index, probability: binary ? p[0] : p[index], probabilities })}\n`);
        } else {
          const confidence = binary ? (index === 1 ? p[0]! : 1 - p[0]!) : p[index]!;
          process.stdout.write(`${path}: ${name} (${(confidence * 100).toFixed(1)}%)\n`);
        }
      });
      base.dispose();
      classifier.dispose();
    });
}
