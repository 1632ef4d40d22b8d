import { join } from 'node:path';
import { checkSplitsAgree, type FeatureSet } from '../data/feature-set.js';
import { readFeatures } from '../data/read-features.js';
import { InputError } from '../errors.js';
import type { StudySpec } from '../space/study-spec.js';
import { checkFoldClasses, checkFolds, type FoldSource } from '../folds/check-folds.js';
import { classWeightOfValue, unknownClass, type ClassWeight } from '../space/class-weight.js';
import { discreteValues } from '../space/hyperparameter.js';

export interface StudyData {
  paths: { train: string; valid: string; test: string };
  train: FeatureSet;
  valid: FeatureSet;
  test: FeatureSet;
  classNames: string[];
}

/** The three splits' paths: the space file's `data`, or DIR/{train,valid,test}.hdf5 with --data. */
export function dataPaths(spec: StudySpec, dataDir?: string): StudyData['paths'] {
  if (dataDir === undefined) return spec.data;
  return { train: join(dataDir, 'train.hdf5'), valid: join(dataDir, 'valid.hdf5'), test: join(dataDir, 'test.hdf5') };
}

/**
 * Loads and checks the study's splits from `paths` (see dataPaths): same width and classes
 * everywhere, labels inside the classes, and a model whose output fits them. Throws
 * InputError naming the file at fault, or the space file where its cross-validation's folds
 * cannot be filled from train+valid.
 */
export async function loadStudyData(spec: StudySpec, specPath: string, paths: StudyData['paths'], folds?: FoldSource): Promise<StudyData> {
  const train = await readFeatures(paths.train);
  const valid = await readFeatures(paths.valid);
  const test = await readFeatures(paths.test);
  const splits = [
    { path: paths.train, set: train },
    { path: paths.valid, set: valid },
    { path: paths.test, set: test },
  ];
  checkSplitsAgree(splits);
  const output = spec.model.at(-1)!;
  const units = output.kind === 'dense' ? (output.units as number) : 0;
  const binary = spec.compile.loss === 'binary_crossentropy';
  const recorded = splits.find((s) => s.set.meta.classNames)?.set.meta.classNames;
  const classes = recorded?.length ?? Math.max(binary ? 2 : units, ...splits.map((s) => maxLabel(s.set) + 1));
  for (const { path, set } of splits) {
    const top = maxLabel(set);
    if (top >= classes) throw new InputError(path, `/labels[${set.labels.indexOf(top)}]`, `label must be 0..${classes - 1} (${classes} classes), got ${top}`);
  }
  const where = `model[${spec.model.length - 1}]`;
  if (binary) {
    if (classes !== 2)
      throw new InputError(
        specPath,
        'compile.loss',
        `binary_crossentropy needs 2 classes, but ${paths.train} has ${classes}; use sparse_categorical_crossentropy`,
      );
    if (units !== 1 || output.kind !== 'dense' || output.activation !== 'sigmoid') {
      throw new InputError(
        specPath,
        where,
        `with binary_crossentropy the output must be {"dense": 1, "activation": "sigmoid"}, got ${JSON.stringify(describe(output))}`,
      );
    }
  } else if (units !== classes || output.kind !== 'dense' || output.activation !== 'softmax') {
    throw new InputError(
      specPath,
      where,
      `with ${classes} classes the output must be {"dense": ${classes}, "activation": "softmax"}, got ${JSON.stringify(describe(output))}`,
    );
  }
  checkClassWeight(spec, specPath, classes);
  const classNames = recorded ?? Array.from({ length: classes }, (_, i) => String(i));
  const cv = spec.tuner.crossValidation;
  if (cv !== undefined) {
    const labels = Int32Array.from([...train.labels, ...valid.labels]);
    checkFolds(specPath, cv, labels, classNames);
    // A run trains on the folds given (a refit, none: it trains on all the rows).
    if (folds !== undefined) checkFoldClasses(specPath, cv, labels, classNames, folds, [spec.tuner.objective, spec.tuner.earlyStopping?.monitor]);
  }
  return { paths, train, valid, test, classNames };
}

/** compile.class_weight (each value of its hyperparameter) may name only the data's classes. */
function checkClassWeight(spec: StudySpec, specPath: string, classes: number): void {
  const cw = spec.compile.classWeight;
  if (cw === undefined) return;
  const choices =
    typeof cw === 'object' && 'ref' in cw
      ? (discreteValues(spec.space.byName.get(cw.ref as string)!) ?? []).map((v) => classWeightOfValue(String(v)))
      : [cw as ClassWeight];
  for (const weight of choices) {
    const k = unknownClass(weight, classes);
    if (k !== undefined) throw new InputError(specPath, 'compile.class_weight', `names class ${k}, but the data has ${classes} classes (0..${classes - 1})`);
  }
}

function maxLabel(set: FeatureSet): number {
  let top = 0;
  for (const label of set.labels) if (label > top) top = label;
  return top;
}

function describe(layer: StudySpec['model'][number]): unknown {
  return layer.kind === 'dense' ? { dense: layer.units, activation: layer.activation } : { dropout: layer.rate };
}
