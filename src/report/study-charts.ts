/**
 * The study's figures as Vega specs: the optimisation history, the learning curves and the
 * slice plots. Only complete trials with a score are drawn here; failed, invalid, pruned and
 * running trials are in the table alone.
 */
import type * as vega from 'vega';
import type { Hyperparameter } from '../space/hyperparameter.js';
import { scored, type ReportData, type ReportEpoch, type ReportTrial } from './report.js';

/** Plot sizes in CSS pixels: one wide figure, or one of a row of small ones. */
export const WIDE = { width: 520, height: 240 };
export const SMALL = { width: 260, height: 180 };

const xy = (x: vega.Scale, y: vega.Scale, xTitle: string, yTitle: string): Pick<vega.Spec, 'scales' | 'axes'> => ({
  scales: [x, y],
  axes: [
    { orient: 'bottom', scale: x.name, title: xTitle, grid: true },
    { orient: 'left', scale: y.name, title: yTitle, grid: true },
  ],
});

/** Each complete trial's score by trial number (points), and the best score so far (a step line). */
export function historySpec(d: ReportData): vega.Spec {
  const points = d.trials.filter(scored).map((t) => ({ trial: t.number, score: t.score }));
  const better = (a: number, b: number) => (d.study.direction === 'max' ? a > b : a < b);
  let best: number | undefined;
  const front = points.map((p) => {
    if (best === undefined || better(p.score, best)) best = p.score;
    return { trial: p.trial, best };
  });
  return {
    ...WIDE,
    padding: 8,
    data: [
      { name: 'points', values: points },
      { name: 'front', values: front },
    ],
    ...xy(
      { name: 'x', type: 'linear', domain: { data: 'points', field: 'trial' }, range: 'width', nice: true, zero: false },
      { name: 'y', type: 'linear', domain: { data: 'points', field: 'score' }, range: 'height', nice: true, zero: false },
      'trial',
      d.study.objective,
    ),
    marks: [
      {
        type: 'line',
        from: { data: 'front' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'trial' },
            y: { scale: 'y', field: 'best' },
            stroke: { value: '#d62728' },
            strokeWidth: { value: 2 },
            interpolate: { value: 'step-after' },
          },
        },
      },
      {
        type: 'symbol',
        name: 'trial-point',
        from: { data: 'points' },
        encode: { enter: { x: { scale: 'x', field: 'trial' }, y: { scale: 'y', field: 'score' }, fill: { value: '#1f77b4' }, size: { value: 40 } } },
      },
    ],
  };
}

/**
 * The epochs a trial's curve draws: its own, after those of the trials it continues (a Hyperband
 * promotion starts from its parent's weights at a later epoch, so alone it would be a stub).
 */
function lineage(d: ReportData, t: ReportTrial): ReportEpoch[] {
  const byNumber = new Map(d.trials.map((x) => [x.number, x]));
  const epochs = [...t.epochs];
  let first = Math.min(...t.epochs.map((e) => e.epoch));
  for (let at = t.schedule?.parent; at !== undefined;) {
    const parent = byNumber.get(at);
    if (parent === undefined) break;
    epochs.unshift(...parent.epochs.filter((e) => e.epoch < first));
    first = Math.min(first, ...parent.epochs.map((e) => e.epoch));
    at = parent.schedule?.parent;
  }
  return epochs;
}

/**
 * One metric per epoch for every complete trial: each execution thin, the executions' mean
 * bold, a promoted trial's line continuing its parent's. A trial of one epoch is a point, which
 * a line of one point would not draw.
 */
export function curveSpec(d: ReportData, metric: 'val_accuracy' | 'val_loss'): vega.Spec {
  const runs: { series: string; trial: number; epoch: number; value: number }[] = [];
  const means: typeof runs = [];
  const single: typeof runs = [];
  for (const t of d.trials.filter(scored)) {
    const byEpoch = new Map<number, number[]>();
    for (const e of lineage(d, t)) {
      if (!Number.isFinite(e[metric])) continue;
      runs.push({ series: `${t.number}/${e.execution}`, trial: t.number, epoch: e.epoch, value: e[metric] });
      byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), e[metric]]);
    }
    const mean = [...byEpoch]
      .sort((a, b) => a[0] - b[0])
      .map(([epoch, vs]) => ({ series: String(t.number), trial: t.number, epoch, value: vs.reduce((s, v) => s + v, 0) / vs.length }));
    (mean.length === 1 ? single : means).push(...mean);
  }
  const lines = (data: string, width: number, opacity: number, name: string): vega.Mark => ({
    type: 'group',
    from: { facet: { name: `${data}-series`, data, groupby: 'series' } },
    marks: [
      {
        type: 'line',
        name,
        from: { data: `${data}-series` },
        sort: { field: 'datum.epoch' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'epoch' },
            y: { scale: 'y', field: 'value' },
            stroke: { scale: 'color', field: 'trial' },
            strokeWidth: { value: width },
            strokeOpacity: { value: opacity },
          },
        },
      },
    ],
  });
  return {
    ...SMALL,
    width: 300,
    padding: 8,
    title: metric,
    data: [
      { name: 'runs', values: runs },
      { name: 'means', values: means },
      { name: 'single', values: single },
    ],
    scales: [
      { name: 'x', type: 'linear', domain: { data: 'runs', field: 'epoch' }, range: 'width', zero: false },
      { name: 'y', type: 'linear', domain: { data: 'runs', field: 'value' }, range: 'height', nice: true, zero: false },
      { name: 'color', type: 'linear', range: { scheme: 'viridis' }, domain: { data: 'runs', field: 'trial' } },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'epoch', grid: true, tickMinStep: 1 },
      { orient: 'left', scale: 'y', title: metric, grid: true },
    ],
    legends: [{ fill: 'color', title: 'trial', type: 'gradient' }],
    marks: [
      lines('runs', 1, 0.35, 'curve-run'),
      lines('means', 2.5, 1, 'curve-mean'),
      {
        type: 'symbol',
        name: 'curve-point',
        from: { data: 'single' },
        encode: {
          enter: { x: { scale: 'x', field: 'epoch' }, y: { scale: 'y', field: 'value' }, fill: { scale: 'color', field: 'trial' }, size: { value: 40 } },
        },
      },
    ],
  };
}

/** A hyperparameter's values as the axis of a plot: numbers on a line (log when sampled so), the rest as categories. */
export function valueScale(hp: Hyperparameter, name: string, range: vega.RangeEnum): vega.Scale {
  if (hp.type === 'int' || hp.type === 'float')
    return { name, type: hp.sampling === 'linear' ? 'linear' : 'log', domain: [hp.min, hp.max], range, nice: false, zero: false };
  const values = hp.type === 'choice' ? hp.values.map(String) : hp.type === 'boolean' ? ['false', 'true'] : hp.type === 'fixed' ? [String(hp.value)] : [];
  return { name, type: 'point', domain: values, range, padding: 0.5 };
}

/** The score against one hyperparameter's value, over the complete trials where it is active. */
export function sliceSpec(d: ReportData, hp: Hyperparameter): vega.Spec {
  const numeric = hp.type === 'int' || hp.type === 'float';
  const active = d.trials.filter(scored).filter((t: ReportTrial) => t.values[hp.name] !== undefined);
  const values = active.map((t) => ({ trial: t.number, value: numeric ? Number(t.values[hp.name]) : String(t.values[hp.name]), score: t.score }));
  return {
    ...SMALL,
    padding: 8,
    title: `${hp.name} (${active.length} trials)`,
    data: [{ name: 'points', values }],
    ...xy(
      valueScale(hp, 'x', 'width'),
      { name: 'y', type: 'linear', domain: { data: 'points', field: 'score' }, range: 'height', nice: true, zero: false },
      hp.name,
      d.study.objective,
    ),
    marks: [
      {
        type: 'symbol',
        from: { data: 'points' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'value' },
            y: { scale: 'y', field: 'score' },
            fill: { value: '#1f77b4' },
            fillOpacity: { value: 0.7 },
            size: { value: 36 },
          },
        },
      },
    ],
  };
}
