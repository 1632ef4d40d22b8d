import type { Tensor } from '@tensorflow/tfjs';
import type { Command } from 'commander';
import { BACKENDS, useBackend, type BackendName } from '../engine/backend.js';
import { InputError } from '../errors.js';
import type { Pooling } from '../extract/options.js';
import type { PreprocessMode } from '../extract/preprocess.js';
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
    .requiredOption('--model <model.json>', 'a model written by `tune best --export`, or the ensemble.json of `tune best --top K --export DIR/`')
    .option('--base <name>', 'override the recorded base: vgg19, a tfjs model.json or an ONNX model')
    .option('--weights <file>', 'VGG19 weights file (default: the Keras cache)')
    .option('--layer <name>', 'override the recorded layer of a tfjs base')
    .option('--backend <name>', `tfjs backend: ${BACKENDS.join(', ')}`, choiceFlag('--backend', BACKENDS))
    .option('--json', 'one JSON object per image')
    .action(async (images: string[], flags: PredictFlags) => {
      const [tf, { defaultPreprocessing, loadBase }, { loadLayersFile }, { featuresOf }, { checkImages }] = await Promise.all([
        import('@tensorflow/tfjs'),
        import('../extract/bases/load-base.js'),
        import('../extract/bases/model-files.js'),
        import('../extract/features-of.js'),
        import('../extract/decode-image.js'),
      ]);
      // Loaded here: an ensemble's writer beside it loads tfjs, which `tune --help` must not.
      const { classifierFiles } = await import('../export/classifier-files.js');
      const members = classifierFiles(flags.model);
      const meta = members[0]!.meta;
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
      const classifiers = await Promise.all(members.map((m) => loadLayersFile(m.path, m.json)));
      // --backend is the classifier's; the base takes extract's default runtime.
      const base = await loadBase(spec, f.inputSize, (await chooseRuntime(spec, {})).choice);
      const mode = (f.preprocessing as PreprocessMode | undefined) ?? defaultPreprocessing(spec);
      const { features } = await featuresOf(base, images, f.inputSize, mode, (f.pooling as Pooling | undefined) ?? 'none');
      const dim = features.length / images.length;
      const expected = classifiers[0]!.inputs[0]!.shape[1];
      if (dim !== expected) throw new InputError(flags.model, 'input', `takes ${expected} features, but the base gives ${dim}; check --base/--layer`);
      // An ensemble votes with the mean of its members' probabilities, as `tune best --top` scores it.
      const probs = tf.tidy(() => {
        const x = tf.tensor2d(features, [images.length, dim]);
        return tf
          .addN(classifiers.map((c) => c.predict(x) as Tensor))
          .div(classifiers.length)
          .arraySync() as number[][];
      });
      images.forEach((path, i) => {
        const p = probs[i]!;
        const binary = p.length === 1;
        const index = binary ? (p[0]! >= 0.5 ? 1 : 0) : p.indexOf(Math.max(...p));
        const name = meta.classNames[index] ?? String(index);
        // `probability` is the predicted class's, as the text line shows it; `probabilities` has every class's.
        const probabilities = binary ? [1 - p[0]!, p[0]!] : p;
        const probability = probabilities[index]!;
        if (flags.json) process.stdout.write(`${JSON.stringify({ image: path, class: name, label: index, probability, probabilities })}\n`);
        else process.stdout.write(`${path}: ${name} (${(probability * 100).toFixed(1)}%)\n`);
      });
      base.dispose();
      for (const c of classifiers) c.dispose();
    });
}
