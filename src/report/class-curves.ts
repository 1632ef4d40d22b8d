/**
 * ROC and precision-recall curves from a model's probabilities, one class against the rest:
 * for a binary model the positive class (1) alone; for more classes, each class in turn.
 * Rows of equal probability are taken together, so that ties give one point, not a staircase
 * in the rows' order.
 */
import type { Probabilities } from '../metrics/classes.js';

export interface Curve {
  /** The class taken as positive. */
  positive: number;
  roc: { fpr: number; tpr: number }[];
  pr: { recall: number; precision: number }[];
  /** Area under the ROC curve (trapezoids). */
  auc: number;
  /** Average precision: the sum of precision times each step in recall. */
  ap: number;
}

/** The curve of class `positive` against the others; undefined when the labels hold only one side. */
export function classCurve(p: Probabilities, labels: ArrayLike<number>, positive: number): Curve | undefined {
  const rows = Array.from({ length: p.rows }, (_, r) => ({ score: p.values[r * p.classes + positive]!, hit: labels[r] === positive }));
  const positives = rows.filter((r) => r.hit).length;
  const negatives = rows.length - positives;
  if (positives === 0 || negatives === 0) return undefined;
  rows.sort((a, b) => b.score - a.score);
  const roc = [{ fpr: 0, tpr: 0 }];
  const pr = [{ recall: 0, precision: 1 }];
  let tp = 0;
  let fp = 0;
  let auc = 0;
  let ap = 0;
  for (let i = 0; i < rows.length; i++) {
    if (rows[i]!.hit) tp++;
    else fp++;
    if (i + 1 < rows.length && rows[i + 1]!.score === rows[i]!.score) continue;
    const last = roc[roc.length - 1]!;
    const point = { fpr: fp / negatives, tpr: tp / positives };
    auc += ((point.fpr - last.fpr) * (point.tpr + last.tpr)) / 2;
    roc.push(point);
    const recall = tp / positives;
    const precision = tp / (tp + fp);
    ap += (recall - pr[pr.length - 1]!.recall) * precision;
    pr.push({ recall, precision });
  }
  return { positive, roc, pr, auc, ap };
}

/** The curves a report draws: class 1 for a binary model, every class one-vs-rest otherwise. */
export function reportCurves(p: Probabilities, labels: ArrayLike<number>): Curve[] {
  const classes = p.classes === 2 ? [1] : Array.from({ length: p.classes }, (_, k) => k);
  return classes.map((k) => classCurve(p, labels, k)).filter((c): c is Curve => c !== undefined);
}
