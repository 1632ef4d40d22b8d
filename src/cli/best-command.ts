import type { Command } from 'commander';
import { BACKENDS, useBackend, type BackendName } from '../engine/backend.js';
import { concreteModel } from '../engine/model-spec.js';
import { InputError } from '../errors.js';
import { exportTarget } from '../export/export-target.js';
import { resultsSummary } from '../tui/summary.js';
import { shownLocation } from '../storage/location.js';
import { choiceFlag, studyFlag } from './parse.js';
import { storageLocation, storageOptions } from './storage-flag.js';

interface BestFlags {
  db?: string;
  storage?: string;
  study?: string;
  data?: string;
  export?: string;
  json?: boolean;
  backend?: BackendName;
}

export function registerBest(program: Command): void {
  storageOptions(
    program.command('best').description('the best trial: its values, score, and loss/accuracy on the test split; --export writes it as a tfjs model'),
    'to read',
  )
    .option('--export <file>', 'write the best classifier: FILE.json as a tfjs Layers model (weights beside it), FILE.h5 in Keras HDF5 format')
    .option('--data <dir>', 'take the test split from DIR/test.hdf5 instead of the data the study ran on (unchecked)')
    .option('--study <name>', 'study name (default: the only study in the database)', studyFlag)
    .option('--backend <name>', `tfjs backend: ${BACKENDS.join(', ')}`, choiceFlag('--backend', BACKENDS))
    .option('--json', 'print the result as one JSON object')
    .action(async (flags: BestFlags) => {
      const location = storageLocation(flags);
      const where = shownLocation(location);
      // Keras' format by the name's ending, and its writer loaded only then (it loads HDF5).
      const keras = flags.export !== undefined && /\.(h5|hdf5)$/i.test(flags.export) ? await import('../export/keras-h5.js') : undefined;
      // A destination that cannot take the export is refused before the test split is evaluated.
      if (flags.export !== undefined) {
        if (keras) await keras.checkH5Target(flags.export);
        else exportTarget(flags.export);
      }
      const [
        tf,
        { readFeatureMeta, readFeatures },
        { Mlp },
        { evaluate, splitTensors },
        { exportLayersModel },
        { dataPaths },
        { checkRecorded, recordedPaths },
        { bestTrial },
        { chooseStudy, openExisting, studySpec },
      ] = await Promise.all([
        import('@tensorflow/tfjs'),
        import('../data/read-features.js'),
        import('../engine/mlp.js'),
        import('../engine/train.js'),
        import('../export/tfjs-layers.js'),
        import('../study/load-data.js'),
        import('../study/study-data.js'),
        import('../study/run-study.js'),
        import('./study-access.js'),
      ]);
      const storage = await openExisting(location);
      try {
        const study = await chooseStudy(storage, where, flags.study);
        const spec = studySpec(study, where);
        const trials = await storage.trials(study.id);
        const best = bestTrial(trials, study.direction);
        if (!best) throw new InputError(where, `study "${study.name}"`, 'has no complete trial yet');
        const weights = await storage.loadWeights(best.id);
        if (!weights) throw new InputError(where, `trial ${best.number}`, 'has no stored weights');
        // The files the study ran on, proved unchanged; a study of an earlier tune has no record,
        // so it reads the space file's. --data is the user's own choice of other data, not checked.
        const record = flags.data === undefined ? await storage.studyData(study.id) : undefined;
        const paths = record !== undefined ? recordedPaths(record) : dataPaths(spec, flags.data);
        if (record !== undefined) {
          const hint = 'pass --data DIR to test on other data';
          // The train split lends an export its class names and feature metadata; a plain best reads only the test split.
          await checkRecorded(record, flags.export !== undefined ? ['test', 'train'] : ['test'], study.name, { changed: hint, missing: hint });
        }
        const test = await readFeatures(paths.test);
        const trainMeta = await readFeatureMeta(paths.train);
        if (test.dim !== weights.tensors[0]!.shape[0]) {
          throw new InputError(paths.test, '/data', `has ${test.dim} features per row, but the model takes ${weights.tensors[0]!.shape[0]}`);
        }
        const backend = await useBackend(flags.backend);
        const model = concreteModel(spec.model, spec.compile, best.values, test.dim);
        const mlp = Mlp.fromWeights(model, weights);
        const split = splitTensors(test);
        const scores = evaluate(mlp, split);
        tf.dispose([split.x, split.y]);
        mlp.dispose();
        const result = {
          study: study.name,
          trial: best.number,
          values: best.values,
          objective: study.objective,
          direction: study.direction,
          score: best.score,
          bestEpoch: best.bestEpoch,
          test: { loss: scores.val_loss, accuracy: scores.val_accuracy, correct: Math.round(scores.val_accuracy * test.rows), rows: test.rows },
          backend,
          ...(flags.export !== undefined ? { exported: flags.export } : {}),
        };
        if (flags.export !== undefined) {
          const classNames = trainMeta.classNames ?? test.meta.classNames ?? (spec.compile.loss === 'binary_crossentropy' ? ['0', '1'] : []);
          const metadata = {
            study: study.name,
            trial: best.number,
            values: best.values,
            score: best.score!,
            objective: study.objective,
            classNames,
            features: trainMeta,
          };
          if (keras) await keras.exportKerasH5(flags.export, model, weights, metadata);
          else await exportLayersModel(flags.export, model, weights, metadata);
        }
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        const summary = resultsSummary(
          [{ number: best.number, values: best.values, score: best.score!, bestEpoch: best.bestEpoch!, seconds: best.seconds! }],
          study.objective,
          study.direction,
          1,
        );
        process.stdout.write(`${summary}\n`);
        process.stdout.write(
          `Best epoch: ${best.bestEpoch}\nTest loss: ${scores.val_loss.toFixed(4)}  ` +
            `test accuracy: ${scores.val_accuracy.toFixed(4)} (${result.test.correct} of ${test.rows})\n`,
        );
        if (flags.export !== undefined) process.stdout.write(`Exported trial ${best.number} to ${flags.export}\n`);
      } finally {
        await storage.close();
      }
    });
}
