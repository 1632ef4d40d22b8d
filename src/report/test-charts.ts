/**
 * The best trial's figures on the test split as Vega specs: the confusion matrix, and the ROC
 * and precision-recall curves with their areas (reportCurves decides which classes).
 */
import type * as vega from 'vega';
import { confusionMatrix } from '../metrics/classes.js';
import type { Curve } from './class-curves.js';
import type { ReportTest } from './report.js';
import { SMALL } from './study-charts.js';

const className = (t: ReportTest, k: number) => t.classNames[k] ?? String(k);

/** Counts by true class (rows) and predicted class (columns), darker for more. */
export function confusionSpec(t: ReportTest): vega.Spec {
  const matrix = confusionMatrix(t.probabilities, t.labels);
  const names = matrix.map((_, k) => className(t, k));
  const cells = matrix.flatMap((row, i) => row.map((count, j) => ({ truth: names[i], predicted: names[j], count })));
  const side = Math.min(360, Math.max(160, 48 * names.length));
  return {
    width: side,
    height: side,
    padding: 8,
    data: [{ name: 'cells', values: cells }],
    scales: [
      { name: 'x', type: 'band', domain: names, range: 'width' },
      { name: 'y', type: 'band', domain: names, range: 'height' },
      { name: 'color', type: 'linear', range: { scheme: 'blues' }, domain: { data: 'cells', field: 'count' }, zero: true },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'predicted class' },
      { orient: 'left', scale: 'y', title: 'true class' },
    ],
    marks: [
      {
        type: 'rect',
        from: { data: 'cells' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'predicted' },
            width: { scale: 'x', band: 1 },
            y: { scale: 'y', field: 'truth' },
            height: { scale: 'y', band: 1 },
            fill: { scale: 'color', field: 'count' },
            stroke: { value: '#fff' },
          },
        },
      },
      {
        type: 'text',
        from: { data: 'cells' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'predicted', band: 0.5 },
            y: { scale: 'y', field: 'truth', band: 0.5 },
            text: { field: 'count' },
            align: { value: 'center' },
            baseline: { value: 'middle' },
            fill: { signal: "datum.count > 0.6 * domain('color')[1] ? '#fff' : '#222'" },
          },
        },
      },
    ],
  };
}

/** ROC (false against true positive rate) or PR (recall against precision), one line per class curve. */
export function curveChartSpec(t: ReportTest, curves: Curve[], kind: 'roc' | 'pr'): vega.Spec {
  const label = (c: Curve) => `${className(t, c.positive)}: ${kind === 'roc' ? `AUC ${c.auc.toFixed(3)}` : `AP ${c.ap.toFixed(3)}`}`;
  const points = curves.flatMap((c) =>
    kind === 'roc' ? c.roc.map((p) => ({ curve: label(c), x: p.fpr, y: p.tpr })) : c.pr.map((p) => ({ curve: label(c), x: p.recall, y: p.precision })),
  );
  const [xTitle, yTitle] = kind === 'roc' ? ['false positive rate', 'true positive rate'] : ['recall', 'precision'];
  return {
    ...SMALL,
    width: 300,
    height: 260,
    padding: 8,
    data: [
      { name: 'points', values: points },
      {
        name: 'chance',
        values:
          kind === 'roc'
            ? [
                { x: 0, y: 0 },
                { x: 1, y: 1 },
              ]
            : [],
      },
    ],
    scales: [
      { name: 'x', type: 'linear', domain: [0, 1], range: 'width' },
      { name: 'y', type: 'linear', domain: [0, 1], range: 'height' },
      { name: 'color', type: 'ordinal', range: { scheme: 'category10' }, domain: { data: 'points', field: 'curve' } },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: xTitle, grid: true },
      { orient: 'left', scale: 'y', title: yTitle, grid: true },
    ],
    legends: [{ stroke: 'color', orient: kind === 'roc' ? 'bottom-right' : 'bottom-left', fill: 'color' }],
    marks: [
      {
        type: 'line',
        from: { data: 'chance' },
        encode: { enter: { x: { scale: 'x', field: 'x' }, y: { scale: 'y', field: 'y' }, stroke: { value: '#999' }, strokeDash: { value: [4, 4] } } },
      },
      {
        type: 'group',
        from: { facet: { name: 'curve', data: 'points', groupby: 'curve' } },
        marks: [
          {
            type: 'line',
            from: { data: 'curve' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'x' },
                y: { scale: 'y', field: 'y' },
                stroke: { scale: 'color', field: 'curve' },
                strokeWidth: { value: 2 },
                interpolate: { value: kind === 'roc' ? 'linear' : 'step-before' },
              },
            },
          },
        ],
      },
    ],
  };
}
