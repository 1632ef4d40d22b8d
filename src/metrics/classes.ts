/**
 * Class probabilities and what is computed from them on a split: the predicted class, the
 * confusion matrix, accuracy and log loss. Plain loops over rows x classes, the same for one
 * model and for an ensemble's averaged probabilities.
 */

/** Keras' epsilon: a probability is clipped to [EPSILON, 1 - EPSILON] before its log. */
export const EPSILON = 1e-7;

/** Each row's probabilities, `classes` per row (2 for a binary model: 1 - p, then p). */
export interface Probabilities {
  values: Float32Array;
  rows: number;
  classes: number;
}

/**
 * One row's predicted class: the most probable, the first on a tie; for two classes, class 1
 * when p >= 0.5, as `tune predict` decides.
 */
export function predictedClass(p: Probabilities, row: number): number {
  const at = row * p.classes;
  if (p.classes === 2) return p.values[at + 1]! >= 0.5 ? 1 : 0;
  let best = 0;
  for (let k = 1; k < p.classes; k++) if (p.values[at + k]! > p.values[at + best]!) best = k;
  return best;
}

/** counts[true class][predicted class] over the rows. */
export function confusionMatrix(p: Probabilities, labels: ArrayLike<number>): number[][] {
  const counts = Array.from({ length: p.classes }, () => new Array<number>(p.classes).fill(0));
  for (let r = 0; r < p.rows; r++) counts[labels[r]!]![predictedClass(p, r)]!++;
  return counts;
}

/** Accuracy and mean log loss (natural log, clipped as Keras clips) of `p` on `labels`. */
export function scoreProbabilities(p: Probabilities, labels: ArrayLike<number>): { loss: number; accuracy: number; correct: number } {
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < p.rows; r++) {
    const y = labels[r]!;
    const q = Math.min(1 - EPSILON, Math.max(EPSILON, p.values[r * p.classes + y]!));
    loss -= Math.log(q);
    if (predictedClass(p, r) === y) correct++;
  }
  return { loss: loss / p.rows, accuracy: correct / p.rows, correct };
}

/** The mean of several models' probabilities on the same rows (an ensemble's vote). */
export function meanProbabilities(all: Probabilities[]): Probabilities {
  const first = all[0];
  if (first === undefined) throw new Error('no probabilities to average');
  const values = new Float32Array(first.values.length);
  for (const p of all) {
    if (p.rows !== first.rows || p.classes !== first.classes) throw new Error(`probabilities of ${p.rows}x${p.classes} and ${first.rows}x${first.classes}`);
    for (let i = 0; i < values.length; i++) values[i]! += p.values[i]!;
  }
  for (let i = 0; i < values.length; i++) values[i]! /= all.length;
  return { values, rows: first.rows, classes: first.classes };
}
