import type { EpochMetrics } from './trial.js';

/*
 * The metrics an epoch can record, by their Keras-style names. loss, accuracy, val_loss and
 * val_accuracy are always recorded; the class metrics only when `compile.metrics` asks for them
 * (src/metrics/class-metrics.ts computes them from the validation probabilities).
 */

export const BASE_METRICS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const;

/** Validation metrics of two classes (positive class 1), then of more classes. */
export const BINARY_METRICS = ['val_auc', 'val_precision', 'val_recall', 'val_f1'] as const;
export const MULTICLASS_METRICS = ['val_macro_f1', 'val_top_k_accuracy'] as const;
export const CLASS_METRICS = [...BINARY_METRICS, ...MULTICLASS_METRICS] as const;
export type ClassMetric = (typeof CLASS_METRICS)[number];

export const METRIC_NAMES = [...BASE_METRICS, ...CLASS_METRICS] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** The names `compile.metrics` takes (Keras' own where it has one), each with the metric it adds; accuracy is always there. */
export const COMPILE_METRICS: Readonly<Record<string, ClassMetric | undefined>> = {
  accuracy: undefined,
  auc: 'val_auc',
  precision: 'val_precision',
  recall: 'val_recall',
  f1: 'val_f1',
  macro_f1: 'val_macro_f1',
  top_k_accuracy: 'val_top_k_accuracy',
};

/** Losses go down; every other metric goes up. */
export function metricDirection(name: string): 'max' | 'min' {
  return name.endsWith('loss') ? 'min' : 'max';
}

/** `metrics[name]`, or an Error (a bug: the space check makes every objective and monitor a recorded metric) when the epoch has none. */
export function metricValue(metrics: Partial<Record<MetricName, number>>, name: MetricName): number {
  const value = metrics[name];
  if (value === undefined) throw new Error(`the epoch records no ${name}`);
  return value;
}

/**
 * The recorded metrics of `m` (every known name it holds), in a fresh frozen object: what a
 * storage keeps of an epoch. A NaN class metric (an AUC of a one-class split) is kept as none.
 */
export function storedMetrics(m: EpochMetrics): EpochMetrics {
  const out: EpochMetrics = { loss: m.loss, accuracy: m.accuracy, val_loss: m.val_loss, val_accuracy: m.val_accuracy };
  for (const name of CLASS_METRICS) if (m[name] !== undefined && !Number.isNaN(m[name])) out[name] = m[name];
  return Object.freeze(out);
}
