import { InputError } from '../errors.js';
import type { CrossValidation } from '../space/study-spec.js';
import type { StudyFolds } from '../domain/folds.js';
import { studyFolds } from './assign-folds.js';

/** Metrics that have no value on a held-out fold of one class (the ROC curve needs both). */
const BOTH_CLASSES = new Set(['val_auc']);

/**
 * Refuses folds that the data cannot fill: more folds than rows, or, stratified, more folds than
 * the rows of some class present in train+valid (each fold must hold every class). `labels`
 * are train+valid's, `classNames` name the classes in the message. Throws InputError naming
 * the space file's `tuner.cross_validation.folds`.
 */
export function checkFolds(specPath: string, cv: CrossValidation, labels: Int32Array, classNames: readonly string[]): void {
  const where = 'tuner.cross_validation.folds';
  if (cv.folds > labels.length)
    throw new InputError(specPath, where, `must be at most ${labels.length}, the rows of train and valid together, got ${cv.folds}`);
  if (!cv.stratified) return;
  const counts = new Map<number, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  const [label, fewest] = [...counts.entries()].reduce((a, b) => (b[1] < a[1] || (b[1] === a[1] && b[0] < a[0]) ? b : a));
  if (cv.folds > fewest) {
    const name = classNames[label] ?? String(label);
    throw new InputError(
      specPath,
      where,
      `must be at most ${fewest}, the rows of class ${JSON.stringify(name)} in train and valid (stratified folds hold every class), got ${cv.folds}`,
    );
  }
}

/** Where a run's folds come from: the study's record (a resume), or a draw from the run's seed. */
export type FoldSource = { recorded: StudyFolds } | { seed: number };

/**
 * Refuses plain (unstratified) folds, those the run will train on, of which one holds a single
 * class while the objective or the early-stopping monitor (`metrics`) is one that has no value
 * there: the fold's score would be missing. Stratified folds hold every class (checkFolds).
 * Throws InputError naming `tuner.cross_validation.stratified`.
 */
export function checkFoldClasses(
  specPath: string,
  cv: CrossValidation,
  labels: Int32Array,
  classNames: readonly string[],
  source: FoldSource,
  metrics: readonly (string | undefined)[],
): void {
  const metric = metrics.find((m): m is string => m !== undefined && BOTH_CLASSES.has(m));
  if (cv.stratified || metric === undefined) return;
  const folds = 'seed' in source ? studyFolds(labels, cv.folds, false, source.seed) : source.recorded;
  const k = folds.folds.length;
  // Rows past the labels come only from a record edited by hand; crossValidationRun refuses those folds.
  const classes = folds.folds.map(
    (f) =>
      new Set(
        Array.from(
          f.rows.filter((row) => row < labels.length),
          (row) => labels[row]!,
        ),
      ),
  );
  const lonely = classes.findIndex((c) => c.size < 2);
  if (lonely < 0) return;
  const only = [...classes[lonely]!][0]!;
  const name = JSON.stringify(classNames[only] ?? String(only));
  const fold = `fold ${lonely + 1} of ${k} (${'seed' in source ? `seed ${source.seed}` : 'as the study recorded them'})`;
  throw new InputError(
    specPath,
    'tuner.cross_validation.stratified',
    `must be true for ${metric}: ${fold} holds only class ${name}, where ${metric} has no value; got false`,
  );
}
