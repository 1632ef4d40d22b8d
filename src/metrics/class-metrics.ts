import { COMPILE_METRICS, type ClassMetric } from '../domain/metrics.js';
import type { ConcreteModel } from '../engine/model-spec.js';
import { DEFAULT_TOP_K, type CompileSpec } from '../space/study-spec.js';
import { predictedClass, type Probabilities } from './classes.js';

/*
 * The class metrics of one split, from its class probabilities: every engine hands its
 * validation probabilities here each epoch, and `tune best` its test ones, so that a metric is
 * computed one way wherever it is recorded. The predicted class is predictedClass's (two
 * classes: class 1 when p >= 0.5), as `tune predict` decides.
 */

/**
 * The class metrics a study's compile section asks of a model, with top-k's k capped below its
 * class count; undefined when it asks for none.
 */
export function metricsRequest(compile: Pick<CompileSpec, 'metrics' | 'topK'>, model: ConcreteModel): MetricsRequest | undefined {
  const names = compile.metrics.flatMap((m) => (COMPILE_METRICS[m] ? [COMPILE_METRICS[m]] : []));
  if (names.length === 0) return undefined;
  const out = model.layers.filter((l) => l.kind === 'dense').at(-1);
  const classes = out?.kind === 'dense' && out.units > 1 ? out.units : 2;
  return { names, topK: Math.max(1, Math.min(compile.topK ?? DEFAULT_TOP_K, classes - 1)) };
}

/** Which class metrics to compute, and the k of top-k accuracy. */
export interface MetricsRequest {
  names: readonly ClassMetric[];
  topK: number;
}

/**
 * The area under the ROC curve of `scores` for the rows whose label is `positive`, by the
 * trapezoid rule over the distinct scores, as sklearn's roc_auc_score computes it: a run of
 * tied scores is one step of the curve (a diagonal), which is the rank rule with tied rows
 * given their mean rank. NaN when the rows hold one class only (sklearn raises there).
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, positive = 1): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    // Ranks start..end-1 (1-based: start+1..end) share their mean.
    const rank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) {
      if (labels[order[i]!] !== positive) continue;
      positives++;
      rankSum += rank;
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** tp, fp and fn of class `k` among the predicted classes. */
function counts(predicted: Int32Array, labels: ArrayLike<number>, k: number): { tp: number; fp: number; fn: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let r = 0; r < predicted.length; r++) {
    const p = predicted[r] === k;
    const y = labels[r] === k;
    if (p && y) tp++;
    else if (p) fp++;
    else if (y) fn++;
  }
  return { tp, fp, fn };
}

/** 2tp / (2tp + fp + fn): sklearn's F1, 0 where it divides by 0 (its zero_division default). */
const f1 = ({ tp, fp, fn }: { tp: number; fp: number; fn: number }): number => (tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));

/**
 * Rows whose label is among the k most probable classes; among tied classes the higher index
 * ranks first, as in sklearn's top_k_accuracy_score (a stable sort, reversed).
 */
function topK(p: Probabilities, labels: ArrayLike<number>, k: number): number {
  let hits = 0;
  for (let r = 0; r < p.rows; r++) {
    const at = r * p.classes;
    const own = p.values[at + labels[r]!]!;
    let above = 0;
    for (let c = 0; c < p.classes; c++) if (p.values[at + c]! > own || (p.values[at + c] === own && c > labels[r]!)) above++;
    if (above < k) hits++;
  }
  return hits / p.rows;
}

/**
 * The requested metrics of `p` on `labels`, under their val_ names (the caller renames them for
 * another split): AUC, precision, recall and F1 of class 1 for two classes; macro-F1 (the mean
 * F1 over the classes that occur as label or prediction, as sklearn's average="macro") and top-k
 * accuracy for any number of classes. The metrics of two classes are left out for more.
 */
export function classMetrics(p: Probabilities, labels: ArrayLike<number>, request: MetricsRequest): Partial<Record<ClassMetric, number>> {
  const out: Partial<Record<ClassMetric, number>> = {};
  if (request.names.length === 0) return out;
  const predicted = Int32Array.from({ length: p.rows }, (_, r) => predictedClass(p, r));
  const want = new Set(request.names);
  if (p.classes === 2) {
    const c = counts(predicted, labels, 1);
    if (want.has('val_auc'))
      out.val_auc = rocAuc(
        Float32Array.from({ length: p.rows }, (_, r) => p.values[2 * r + 1]!),
        labels,
      );
    if (want.has('val_precision')) out.val_precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
    if (want.has('val_recall')) out.val_recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
    if (want.has('val_f1')) out.val_f1 = f1(c);
  }
  if (want.has('val_macro_f1')) {
    const present = new Set<number>([...predicted, ...Array.from(labels)]);
    let sum = 0;
    for (const k of present) sum += f1(counts(predicted, labels, k));
    out.val_macro_f1 = sum / present.size;
  }
  if (want.has('val_top_k_accuracy')) out.val_top_k_accuracy = topK(p, labels, request.topK);
  return out;
}

/**
 * Class probabilities from a model's last-layer outputs (rows x units): a sigmoid of the one
 * logit (as 1 - p, p) or a softmax, each stored as float32 as the exported model gives them.
 */
export function probabilitiesFromLogits(logits: Float32Array, rows: number, units: number): Probabilities {
  if (units === 1) {
    const values = new Float32Array(2 * rows);
    for (let r = 0; r < rows; r++) {
      const p = Math.fround(1 / (1 + Math.exp(-logits[r]!)));
      values[2 * r] = 1 - p;
      values[2 * r + 1] = p;
    }
    return { values, rows, classes: 2 };
  }
  const values = new Float32Array(rows * units);
  for (let r = 0; r < rows; r++) {
    const at = r * units;
    let max = -Infinity;
    for (let k = 0; k < units; k++) max = Math.max(max, logits[at + k]!);
    let total = 0;
    for (let k = 0; k < units; k++) total += Math.exp(logits[at + k]! - max);
    for (let k = 0; k < units; k++) values[at + k] = Math.exp(logits[at + k]! - max) / total;
  }
  return { values, rows, classes: units };
}

/** The validation metrics of an epoch from its validation logits: what every engine records. */
export function validationMetrics(
  logits: Float32Array,
  rows: number,
  units: number,
  labels: ArrayLike<number>,
  request: MetricsRequest | undefined,
): Partial<Record<ClassMetric, number>> {
  if (!request || request.names.length === 0) return {};
  return classMetrics(probabilitiesFromLogits(logits, rows, units), labels, request);
}
