/**
 * Parallel coordinates of the hyperparameters against the score, as a Vega spec. Each axis is
 * placed in [0, 1] here (Vega has no parallel-axes mark), and each complete trial is one line
 * through them coloured by its score. A hyperparameter that is inactive in a trial breaks that
 * trial's line at its axis (Vega's `defined`): absent, not drawn as a zero.
 */
import type * as vega from 'vega';
import type { Hyperparameter, Value } from '../space/hyperparameter.js';
import { scored, type ReportData } from './report.js';
import { WIDE } from './study-charts.js';

/** Where a value sits on its hyperparameter's axis, 0 at the bottom and 1 at the top. */
export function axisPosition(hp: Hyperparameter, v: Value): number {
  if (hp.type === 'int' || hp.type === 'float') {
    const log = hp.sampling !== 'linear' && hp.min > 0;
    const [lo, hi, x] = log ? [Math.log(hp.min), Math.log(hp.max), Math.log(Number(v))] : [hp.min, hp.max, Number(v)];
    return hi === lo ? 0.5 : (x - lo) / (hi - lo);
  }
  const values = categories(hp);
  return values.length < 2 ? 0.5 : values.indexOf(String(v)) / (values.length - 1);
}

function categories(hp: Hyperparameter): string[] {
  if (hp.type === 'choice') return hp.values.map(String);
  if (hp.type === 'boolean') return ['false', 'true'];
  if (hp.type === 'fixed') return [String(hp.value)];
  return [];
}

/** The labels along one axis: every category, or a range's ends and middle. */
function ticks(hp: Hyperparameter): { y: number; label: string }[] {
  if (hp.type !== 'int' && hp.type !== 'float') return categories(hp).map((c) => ({ y: axisPosition(hp, c), label: c }));
  const mid = hp.sampling !== 'linear' && hp.min > 0 ? Math.sqrt(hp.min * hp.max) : (hp.min + hp.max) / 2;
  return [hp.min, mid, hp.max].map((v) => ({ y: axisPosition(hp, v), label: String(Number(v.toPrecision(3))) }));
}

export function parallelSpec(d: ReportData): vega.Spec {
  const hps = d.hyperparameters.filter((hp) => hp.type !== 'fixed');
  const trials = d.trials.filter(scored);
  const scores = trials.map((t) => t.score);
  const [lo, hi] = [Math.min(...scores), Math.max(...scores)];
  const scoreAt = (s: number) => (hi === lo ? 0.5 : (s - lo) / (hi - lo));
  const lines = trials.flatMap((t) => [
    ...hps.map((hp, axis) => ({ trial: t.number, score: t.score, axis, y: t.values[hp.name] === undefined ? null : axisPosition(hp, t.values[hp.name]!) })),
    { trial: t.number, score: t.score, axis: hps.length, y: scoreAt(t.score) },
  ]);
  const names = [...hps.map((hp) => hp.name), d.study.objective];
  const axisTicks = [
    ...hps.flatMap((hp, axis) => ticks(hp).map((t) => ({ axis, ...t }))),
    ...[lo, hi].map((s) => ({ axis: hps.length, y: scoreAt(s), label: s.toFixed(4) })),
  ];
  return {
    ...WIDE,
    width: 640,
    padding: { left: 16, right: 60, top: 24, bottom: 8 },
    data: [
      { name: 'lines', values: lines },
      { name: 'axes', values: names.map((name, axis) => ({ axis, name })) },
      { name: 'ticks', values: axisTicks },
    ],
    scales: [
      { name: 'x', type: 'point', domain: names.map((_, i) => i), range: 'width', padding: 0.2 },
      { name: 'y', type: 'linear', domain: [0, 1], range: 'height' },
      { name: 'color', type: 'linear', range: { scheme: 'plasma' }, domain: [lo, hi === lo ? lo + 1 : hi] },
    ],
    legends: [{ stroke: 'color', title: d.study.objective, type: 'gradient' }],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'trial', data: 'lines', groupby: 'trial' } },
        marks: [
          {
            type: 'line',
            from: { data: 'trial' },
            sort: { field: 'datum.axis' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'axis' },
                y: { scale: 'y', field: 'y' },
                defined: { signal: 'datum.y !== null' },
                stroke: { scale: 'color', field: 'score' },
                strokeWidth: { value: 1.5 },
                strokeOpacity: { value: 0.7 },
              },
            },
          },
        ],
      },
      {
        type: 'rule',
        from: { data: 'axes' },
        encode: { enter: { x: { scale: 'x', field: 'axis' }, y: { value: 0 }, y2: { signal: 'height' }, stroke: { value: '#444' } } },
      },
      {
        type: 'text',
        from: { data: 'axes' },
        encode: {
          enter: { x: { scale: 'x', field: 'axis' }, y: { value: -8 }, text: { field: 'name' }, align: { value: 'center' }, fontWeight: { value: 'bold' } },
        },
      },
      {
        type: 'text',
        from: { data: 'ticks' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'axis', offset: 4 },
            y: { scale: 'y', field: 'y' },
            text: { field: 'label' },
            baseline: { value: 'middle' },
            fontSize: { value: 10 },
          },
        },
      },
    ],
  };
}
