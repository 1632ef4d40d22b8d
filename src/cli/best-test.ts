/*
 * What `tune best` does on the test split: the study's trials ranked by score with their
 * weights, each one evaluated on the test split (loss, accuracy, confusion matrix), and the
 * mean of several trials' probabilities (the top models' ensemble). Loaded by best-command.ts
 * when the command runs, since it loads tfjs and HDF5.
 */
import * as tf from '@tensorflow/tfjs';
import { readFeatureMeta, readFeatures } from '../data/read-features.js';
import type { FeatureSet } from '../data/feature-set.js';
import type { FeatureMeta } from '../data/feature-meta.js';
import { Direction } from '../domain/direction.js';
import type { StudyRecord } from '../domain/study.js';
import type { TrialRecord } from '../domain/trial.js';
import type { StoredWeights } from '../domain/weights.js';
import { concreteModel, type ConcreteModel } from '../engine/model-spec.js';
import { Mlp } from '../engine/mlp.js';
import { classProbabilities } from '../engine/predict.js';
import { evaluate, splitTensors } from '../engine/train.js';
import type { ExportMetadata } from '../export/export-metadata.js';
import { InputError } from '../errors.js';
import { confusionMatrix, meanProbabilities, scoreProbabilities, type Probabilities } from '../metrics/classes.js';
import { DEFAULT_TOP_K, type StudySpec } from '../space/study-spec.js';
import { BINARY_METRICS, MULTICLASS_METRICS } from '../domain/metrics.js';
import { classMetrics } from '../metrics/class-metrics.js';
import type { Storage } from '../storage/storage.js';
import { dataPaths } from '../study/load-data.js';
import { checkRecorded, recordedPaths } from '../study/study-data.js';
import { formatConfusion } from '../tui/confusion.js';
import { studySpec } from './study-access.js';

/** The study, its space and its test split, as every trial of `tune best` is evaluated on them. */
export interface TestContext {
  study: StudyRecord;
  spec: StudySpec;
  test: FeatureSet;
  /** The train split's metadata: an export's class names and how its features were made. */
  trainMeta: FeatureMeta;
  classNames: string[];
  /** The trial with its stored weights, or undefined when it keeps none; throws when they do not fit the test split. */
  withWeights(trial: TrialRecord): Promise<{ trial: TrialRecord; weights: StoredWeights } | undefined>;
  /** The `k` best complete trials (ties to the earlier) that keep their weights, best first; throws if none does. */
  ranked(k: number): Promise<{ trial: TrialRecord; weights: StoredWeights }[]>;
  metadata(trial: TrialRecord): ExportMetadata;
  confusionText(p: Probabilities): string;
}

/** One trial evaluated on the test split. */
export interface TestedTrial {
  trial: TrialRecord;
  model: ConcreteModel;
  weights: StoredWeights;
  probabilities: Probabilities;
  /** What `--json` prints of it. */
  json: Record<string, unknown>;
  /** "Test loss: … test accuracy: … (c of n)". */
  text: string;
}

/**
 * Opens the study's test split: the files the study ran on, proved unchanged (a study of an
 * earlier tune has no record, so the space file's), or DIR/test.hdf5 with `data` (the user's own
 * choice, unchecked). With `export`, the train split is checked too: it lends an export its
 * class names and feature metadata. Throws InputError for a study with no complete trial, and
 * for a test split whose width is not the model's.
 */
export async function openTestContext(storage: Storage, study: StudyRecord, where: string, o: { data?: string; export: boolean }): Promise<TestContext> {
  const spec = studySpec(study, where);
  const trials = await storage.trials(study.id);
  const complete = trials.filter((t) => t.status === 'complete' && t.score !== null);
  if (complete.length === 0) throw new InputError(where, `study "${study.name}"`, 'has no complete trial yet');
  const record = o.data === undefined ? await storage.studyData(study.id) : undefined;
  const paths = record !== undefined ? recordedPaths(record) : dataPaths(spec, o.data);
  if (record !== undefined) {
    const hint = 'pass --data DIR to test on other data';
    await checkRecorded(record, o.export ? ['test', 'train'] : ['test'], study.name, { changed: hint, missing: hint });
  }
  const test = await readFeatures(paths.test);
  const trainMeta = await readFeatureMeta(paths.train);
  const classNames = trainMeta.classNames ?? test.meta.classNames ?? (spec.compile.loss === 'binary_crossentropy' ? ['0', '1'] : []);
  const order = Direction.order(study.direction);
  const byScore = [...complete].sort((a, b) => order(a.score!, b.score!) || a.number - b.number);
  const withWeights = async (trial: TrialRecord) => {
    const weights = await storage.loadWeights(trial.id);
    if (weights === undefined) return undefined;
    if (test.dim !== weights.tensors[0]!.shape[0])
      throw new InputError(paths.test, '/data', `has ${test.dim} features per row, but the model takes ${weights.tensors[0]!.shape[0]}`);
    return { trial, weights };
  };
  return {
    study,
    spec,
    test,
    trainMeta,
    classNames,
    withWeights,
    async ranked(k) {
      const out: { trial: TrialRecord; weights: StoredWeights }[] = [];
      for (const trial of byScore) {
        if (out.length === k) break;
        // A trial added with `tune add` never had weights and a lower one may have lost them to the
        // kept-weights limit; the output names the trial it used, so skipping them misleads nobody.
        const kept = await withWeights(trial);
        if (kept !== undefined) out.push(kept);
      }
      if (out.length === 0) throw new InputError(where, `study "${study.name}"`, 'has no complete trial with stored weights');
      return out;
    },
    metadata: (trial) => ({
      study: study.name,
      trial: trial.number,
      values: trial.values,
      score: trial.score!,
      objective: study.objective,
      classNames,
      features: trainMeta,
    }),
    confusionText: (p) => formatConfusion(confusionMatrix(p, test.labels), classNames),
  };
}

/** Evaluates one trial on the test split, as its exported model computes it. */
export function testTrial(c: TestContext, { trial, weights }: { trial: TrialRecord; weights: StoredWeights }): TestedTrial {
  const model = concreteModel(c.spec.model, c.spec.compile, trial.values, c.test.dim);
  const mlp = Mlp.fromWeights(model, weights);
  const split = splitTensors(c.test);
  const scores = evaluate(mlp, split);
  tf.dispose([split.x, split.y]);
  mlp.dispose();
  const probabilities = classProbabilities(model, weights, c.test.data, c.test.rows);
  const metrics = testMetrics(probabilities, c.test.labels, c.spec.compile.topK);
  const correct = Math.round(scores.val_accuracy * c.test.rows);
  const confusion = { labels: c.classNames, matrix: confusionMatrix(probabilities, c.test.labels) };
  return {
    trial,
    model,
    weights,
    probabilities,
    json: {
      trial: trial.number,
      values: trial.values,
      score: trial.score,
      bestEpoch: trial.bestEpoch,
      test: { loss: scores.val_loss, accuracy: scores.val_accuracy, correct, rows: c.test.rows, ...metrics, confusion },
    },
    text:
      `Test loss: ${scores.val_loss.toFixed(4)}  test accuracy: ${scores.val_accuracy.toFixed(4)} (${correct} of ${c.test.rows})` +
      Object.entries(metrics)
        .map(([name, value]) => `  ${name.replaceAll('_', ' ')}: ${value.toFixed(4)}`)
        .join(''),
  };
}

/**
 * The class metrics of a model's kind on the test split, whatever the study recorded: AUC,
 * precision, recall and F1 of class 1 for two classes, macro-F1 and top-k accuracy for more,
 * by the same code as the epochs' val_ ones, named without the prefix.
 */
function testMetrics(p: Probabilities, labels: Int32Array, topK: number | undefined): Record<string, number> {
  const names = p.classes === 2 ? BINARY_METRICS : MULTICLASS_METRICS;
  const k = Math.max(1, Math.min(topK ?? DEFAULT_TOP_K, p.classes - 1));
  return Object.fromEntries(Object.entries(classMetrics(p, labels, { names, topK: k })).map(([name, value]) => [name.replace(/^val_/, ''), value]));
}

/** The members' mean probabilities on the test split, scored as one model. */
export function ensembleOf(c: TestContext, members: TestedTrial[]): { probabilities: Probabilities; json: Record<string, unknown>; text: string } {
  const probabilities = meanProbabilities(members.map((m) => m.probabilities));
  const s = scoreProbabilities(probabilities, c.test.labels);
  const confusion = { labels: c.classNames, matrix: confusionMatrix(probabilities, c.test.labels) };
  return {
    probabilities,
    json: { trials: members.map((m) => m.trial.number), test: { loss: s.loss, accuracy: s.accuracy, correct: s.correct, rows: c.test.rows, confusion } },
    text: `test loss ${s.loss.toFixed(4)}  test accuracy ${s.accuracy.toFixed(4)} (${s.correct} of ${c.test.rows})`,
  };
}
