/**
 * Hyperparameter importance by PED-ANOVA (Watanabe et al., IJCAI 2023): a hyperparameter
 * matters as much as the distribution of its values among the best trials differs from its
 * distribution among all trials, measured as the Pearson divergence
 *   D = ∫ p_all(x) (p_top(x) / p_all(x) - 1)^2 dx.
 * Each distribution is a Parzen estimate: Gaussian kernels on the value's axis position in
 * [0, 1] for a number, smoothed counts for a category. A conditional hyperparameter is measured
 * over the trials where it is active: both sets are taken among those trials, so that it says
 * how much the value matters when it is used. It needs no model fitted to the trials, which a
 * study of a dozen trials could not support, and it runs in a few milliseconds.
 */
import type * as vega from 'vega';
import type { Hyperparameter } from '../space/hyperparameter.js';
import { axisPosition } from './parallel-chart.js';
import { scored, type ReportData } from './report.js';

/** The share of the (active) trials that counts as the best: PED-ANOVA's gamma', as Optuna's default. */
export const TOP_QUANTILE = 0.1;
/** Fewer top trials than this say nothing about a distribution. */
export const MIN_TOP = 2;
/** Points of the grid on which two densities are compared. */
const GRID = 200;
/** Narrowest kernel, in axis units: a handful of trials on a stepped range must not become spikes. */
const MIN_BANDWIDTH = 0.05;
/** Pseudo-count of each category, so that a category no top trial took has a density above zero. */
const PRIOR = 0.5;

export interface Importance {
  name: string;
  /** Share of the summed divergence, in [0, 1]; undefined when too few trials use it. */
  importance: number | undefined;
  trials: number;
}

/** Each hyperparameter's importance, largest first; the shares sum to 1 when any is above zero. */
export function pedAnova(d: ReportData): Importance[] {
  const better = d.study.direction === 'max' ? (a: number, b: number) => b - a : (a: number, b: number) => a - b;
  // A Hyperband promotion trains its parent's values further: the lineage counts once, at its
  // longest training, or the promoted value sets would weigh twice or three times.
  const promoted = new Set(d.trials.filter(scored).map((t) => t.schedule?.parent));
  const trials = d.trials.filter(scored).filter((t) => !promoted.has(t.number));
  const raw = d.hyperparameters
    .filter((hp) => hp.type !== 'fixed')
    .map((hp) => {
      const active = trials.filter((t) => t.values[hp.name] !== undefined);
      const sorted = [...active].sort((a, b) => better(a.score, b.score));
      const top = sorted.slice(0, Math.max(MIN_TOP, Math.ceil(TOP_QUANTILE * sorted.length)));
      const divergence =
        top.length < MIN_TOP || top.length >= sorted.length
          ? undefined
          : pearson(
              hp,
              active.map((t) => t.values[hp.name]!),
              top.map((t) => t.values[hp.name]!),
            );
      return { name: hp.name, divergence, trials: active.length };
    });
  const total = raw.reduce((s, r) => s + (r.divergence ?? 0), 0);
  return raw
    .map((r) => ({ name: r.name, trials: r.trials, importance: r.divergence === undefined ? undefined : total > 0 ? r.divergence / total : 0 }))
    .sort((a, b) => (b.importance ?? -1) - (a.importance ?? -1));
}

function pearson(hp: Hyperparameter, all: readonly (number | string | boolean)[], top: readonly (number | string | boolean)[]): number {
  if (hp.type === 'int' || hp.type === 'float') {
    const grid = Array.from({ length: GRID }, (_, i) => (i + 0.5) / GRID);
    const pAll = density(
      all.map((v) => axisPosition(hp, v)),
      grid,
    );
    const pTop = density(
      top.map((v) => axisPosition(hp, v)),
      grid,
    );
    return grid.reduce((s, _, i) => s + pAll[i]! * (pTop[i]! / pAll[i]! - 1) ** 2, 0) / GRID;
  }
  // Only the categories some trial took: the prior of one none took would differ between the
  // two sets by their sizes alone, and give a hyperparameter held at one value an importance.
  const keys = [...new Set(all.map(String))];
  const share = (vs: readonly unknown[], k: string) => (vs.filter((v) => String(v) === k).length + PRIOR) / (vs.length + PRIOR * keys.length);
  return keys.reduce((s, k) => s + share(all, k) * (share(top, k) / share(all, k) - 1) ** 2, 0);
}

/** A Gaussian Parzen estimate on [0, 1], normalised over the grid (Scott's bandwidth, floored). */
function density(xs: number[], grid: number[]): number[] {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
  const h = Math.max(MIN_BANDWIDTH, 1.06 * sd * xs.length ** -0.2);
  const p = grid.map((g) => xs.reduce((s, x) => s + Math.exp(-0.5 * ((g - x) / h) ** 2), 0));
  const mass = p.reduce((s, v) => s + v, 0) / grid.length;
  return p.map((v) => v / mass);
}

export function importanceSpec(d: ReportData, rows: Importance[]): vega.Spec {
  const values = rows.map((r) => ({
    name: r.name,
    importance: r.importance ?? 0,
    label: r.importance === undefined ? `too few trials (${r.trials})` : r.importance.toFixed(3),
  }));
  return {
    width: 480,
    height: Math.max(60, 28 * values.length),
    padding: { left: 8, right: 120, top: 8, bottom: 8 },
    data: [{ name: 'bars', values }],
    scales: [
      { name: 'y', type: 'band', domain: values.map((v) => v.name), range: 'height', padding: 0.2 },
      { name: 'x', type: 'linear', domain: [0, 1], range: 'width' },
    ],
    axes: [
      { orient: 'left', scale: 'y' },
      { orient: 'bottom', scale: 'x', title: `PED-ANOVA importance (top ${TOP_QUANTILE * 100}% against all, ${d.study.objective})`, grid: true },
    ],
    marks: [
      {
        type: 'rect',
        from: { data: 'bars' },
        encode: {
          enter: {
            y: { scale: 'y', field: 'name' },
            height: { scale: 'y', band: 1 },
            x: { scale: 'x', value: 0 },
            x2: { scale: 'x', field: 'importance' },
            fill: { value: '#2ca02c' },
          },
        },
      },
      {
        type: 'text',
        from: { data: 'bars' },
        encode: {
          enter: {
            y: { scale: 'y', field: 'name', band: 0.5 },
            x: { scale: 'x', field: 'importance', offset: 4 },
            text: { field: 'label' },
            baseline: { value: 'middle' },
            fontSize: { value: 11 },
          },
        },
      },
    ],
  };
}
