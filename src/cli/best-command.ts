import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { BACKENDS, useBackend, type BackendName } from '../engine/backend.js';
import { InputError } from '../errors.js';
import { exportTarget } from '../export/export-target.js';
import { ENGINES, type EngineName } from '../pool/messages.js';
import { resultsSummary } from '../tui/summary.js';
import { shownLocation } from '../storage/location.js';
import { choiceFlag, intFlag, studyFlag } from './parse.js';
import { storageLocation, storageOptions } from './storage-flag.js';
import { foldJson, foldLines, shownFolds } from './show-folds.js';
import type { TestedTrial } from './best-test.js';
import type { ConcreteModel } from '../engine/model-spec.js';
import type { StoredWeights } from '../domain/weights.js';
import type { ExportMetadata } from '../export/export-metadata.js';

interface BestFlags {
  db?: string;
  storage?: string;
  study?: string;
  data?: string;
  export?: string;
  top?: number;
  json?: boolean;
  backend?: BackendName;
  refit?: boolean;
  epochs?: number;
  engine?: EngineName;
}

/** An export path that names a file of Keras' HDF5 format rather than a model.json. */
const KERAS_FILE = /\.(h5|hdf5)$/i;
/** Whether `path` is a folder; a path that cannot be looked at is left to the export's own checks, which name why. */
function isFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

/** Other model formats' names, which tune does not write: a tfjs model.json under such a name would mislead. */
const OTHER_FORMAT = /\.(keras|onnx|pt|pth|pb|tflite|safetensors|bin)$/i;

export function registerBest(program: Command): void {
  storageOptions(
    program.command('best').description('the best trial: its values, score, and loss/accuracy on the test split; --export writes it as a tfjs model'),
    'to read',
  )
    .option('--export <file>', 'write the best classifier: FILE.json as a tfjs Layers model (weights beside it), FILE.h5 in Keras HDF5 format')
    .option(
      '--top <k>',
      'the K best trials and their ensemble (the mean of their probabilities); with --export DIR/, K models and DIR/ensemble.json',
      intFlag('--top', 1),
    )
    .option('--data <dir>', 'take the test split from DIR/test.hdf5 instead of the data the study ran on (unchecked); with --refit, train and valid too')
    .option('--study <name>', 'study name (default: the only study in the database)', studyFlag)
    .option('--backend <name>', `tfjs backend: ${BACKENDS.join(', ')}`, choiceFlag('--backend', BACKENDS))
    .option('--refit', 'train the best trial again on train+valid (no early stopping), test that model, and export it with --export')
    .option('--epochs <n>', 'with --refit: train N epochs (default: the best epoch scaled by (train+valid rows) / train rows)', intFlag('--epochs', 1))
    .option('--engine <name>', `with --refit: the training engine, ${ENGINES.join(', ')} (default: as tune run chooses)`, choiceFlag('--engine', ENGINES))
    .option('--json', 'print the result as one JSON object')
    .action(async (flags: BestFlags) => {
      const location = storageLocation(flags);
      const where = shownLocation(location);
      const top = flags.top;
      for (const [flag, given] of [
        ['--epochs', flags.epochs],
        ['--engine', flags.engine],
      ] as const) {
        if (given !== undefined && !flags.refit) throw new InputError('command line', flag, `goes only with --refit, got ${flag} ${given} alone`);
      }
      // One refitted model: refitting each of the top K would cost K trainings for an ensemble that --top does not measure.
      if (flags.refit && top !== undefined)
        throw new InputError('command line', '--refit', `refits the single best trial and does not go with --top, got --top ${top}`);
      if (top !== undefined && flags.export !== undefined && /\.(json|h5|hdf5)$/i.test(flags.export))
        throw new InputError('command line', '--export', `with --top, give the folder to write the models and ensemble.json in (DIR/), got ${flags.export}`);
      // Keras' format by the name's ending, and its writer loaded only then (it loads HDF5).
      if (top === undefined && flags.export !== undefined) {
        if (OTHER_FORMAT.test(flags.export))
          throw new InputError('command line', '--export', `writes FILE.json (a tfjs Layers model) or FILE.h5 (Keras HDF5), got ${flags.export}`);
        if (/\/$/.test(flags.export) || isFolder(flags.export))
          throw new InputError('command line', '--export', `names a folder; give FILE.json or FILE.h5, or a folder with --top K, got ${flags.export}`);
      }
      const keras = top === undefined && flags.export !== undefined && KERAS_FILE.test(flags.export) ? await import('../export/keras-h5.js') : undefined;
      // A destination that cannot take the export is refused before the test split is evaluated.
      if (flags.export !== undefined) {
        if (keras) await keras.checkH5Target(flags.export);
        else if (top === undefined) exportTarget(flags.export);
        else (await import('../export/ensemble.js')).checkEnsembleTarget(`${flags.export.replace(/\/+$/, '')}/ensemble.json`);
      }
      const [{ openTestContext, testTrial, ensembleOf }, { chooseStudy, openExisting }] = await Promise.all([
        import('./best-test.js'),
        import('./study-access.js'),
      ]);
      const storage = await openExisting(location);
      try {
        const study = await chooseStudy(storage, where, flags.study);
        const context = await openTestContext(storage, study, where, {
          export: flags.export !== undefined,
          ...(flags.data !== undefined ? { data: flags.data } : {}),
        });
        const backend = await useBackend(flags.backend);
        const writeModel = async (model: ConcreteModel, weights: StoredWeights, metadata: ExportMetadata): Promise<void> => {
          if (keras) await keras.exportKerasH5(flags.export!, model, weights, metadata);
          else await (await import('../export/tfjs-layers.js')).exportLayersModel(flags.export!, model, weights, metadata);
        };
        if (flags.refit) {
          await (await import('./best-refit.js')).bestRefit(storage, context, where, backend, flags, flags.export !== undefined ? writeModel : undefined);
          return;
        }
        const chosen = await context.ranked(top ?? 1);
        if (top !== undefined && chosen.length < top) {
          throw new InputError(
            where,
            '--top',
            `asks for ${top} models, but only ${chosen.length} complete trials of study "${study.name}" keep their weights ` +
              '(tune run --keep-weights K sets how many do)',
          );
        }
        const tested = chosen.map((t) => testTrial(context, t));
        const summary = (list: TestedTrial[]) =>
          resultsSummary(
            list.map(({ trial: t }) => ({ number: t.number, values: t.values, score: t.score!, bestEpoch: t.bestEpoch, seconds: t.seconds ?? 0 })),
            study.objective,
            study.direction,
            list.length,
          );
        if (top === undefined) {
          const best = tested[0]!;
          if (flags.export !== undefined) await writeModel(best.model, best.weights, context.metadata(best.trial));
          // A cross-validated study's best trial: its fold scores, their mean and spread, as tune show gives them.
          const folds = await shownFolds(storage, study.id, best.trial);
          if (flags.json) {
            const result = {
              study: study.name,
              ...best.json,
              objective: study.objective,
              direction: study.direction,
              backend,
              ...(folds ? { cross_validation: foldJson(folds) } : {}),
            };
            process.stdout.write(`${JSON.stringify({ ...result, ...(flags.export !== undefined ? { exported: flags.export } : {}) })}\n`);
            return;
          }
          process.stdout.write(`${summary(tested)}\n`);
          process.stdout.write(`Best epoch: ${best.trial.bestEpoch}\n`);
          if (folds) process.stdout.write(`${foldLines(folds).join('\n')}\n`);
          process.stdout.write(`${best.text}\n${context.confusionText(best.probabilities)}\n`);
          if (flags.export !== undefined) process.stdout.write(`Exported trial ${best.trial.number} to ${flags.export}\n`);
          return;
        }
        const ensemble = ensembleOf(context, tested);
        let exported: string | undefined;
        if (flags.export !== undefined) {
          const { exportEnsemble } = await import('../export/ensemble.js');
          exported = await exportEnsemble(
            flags.export,
            tested.map((t) => ({ model: t.model, weights: t.weights, metadata: context.metadata(t.trial) })),
          );
        }
        if (flags.json) {
          const result = {
            study: study.name,
            objective: study.objective,
            direction: study.direction,
            top: tested.map((t) => t.json),
            ensemble: ensemble.json,
            backend,
          };
          process.stdout.write(`${JSON.stringify({ ...result, ...(exported !== undefined ? { exported } : {}) })}\n`);
          return;
        }
        process.stdout.write(`${summary(tested)}\n\n`);
        for (const t of tested) process.stdout.write(`Trial ${t.trial.number}: ${t.text}\n`);
        process.stdout.write(`Ensemble of trials ${tested.map((t) => t.trial.number).join(', ')} (the mean of their probabilities): ${ensemble.text}\n`);
        process.stdout.write(`${context.confusionText(ensemble.probabilities)}\n`);
        if (exported !== undefined) process.stdout.write(`Exported ${tested.length} models and ${exported}\n`);
      } finally {
        await storage.close();
      }
    });
}
