import { InputError } from '../errors.js';
import type { CrossValidation } from '../space/study-spec.js';

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
