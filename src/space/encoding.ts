import { discreteValues, gridIndex, gridPoint, gridSize, rangeGrid, type Hyperparameter, type RangeHp, type Value } from './hyperparameter.js';

/**
 * KerasTuner's maps between a hyperparameter's values and a number p in [0, 1): what oracles
 * sample and model. A value of a finite grid (a choice, a stepped range, an int) sits at the
 * centre of its bucket (a grid too large to list, by arithmetic: see gridPoint); booleans at
 * 0.25 / 0.75; fixed at 0.5; continuous ranges by formula:
 *   linear: min + p (max - min)
 *   log: min (max / min)^p
 *   reverse_log: max + min - min (max / min)^(1 - p)
 * An int without a step takes the floor of that formula over [min, max + 1] (every whole
 * number gets a bucket of its own, max included), as KerasTuner's Int.prob_to_value does.
 */
export function fromUnit(hp: Hyperparameter, p: number): Value {
  const u = Math.min(1 - 1e-12, Math.max(0, p));
  switch (hp.type) {
    case 'fixed':
      return hp.value;
    case 'boolean':
      return u >= 0.5;
    case 'choice':
      return hp.values[bucket(u, hp.values.length)]!;
    default: {
      if (hp.type === 'int' && hp.step === undefined && hp.sampling !== 'linear') {
        return Math.min(hp.max, Math.max(hp.min, Math.floor(scale(hp, u, hp.max + 1))));
      }
      const grid = rangeGrid(hp);
      if (grid) return grid[bucket(u, grid.length)]!;
      // A grid too large to list is still a grid: an int stays whole, a step stays on its points.
      const n = gridSize(hp);
      if (n !== undefined) return gridPoint(hp, bucket(u, n));
      return scale(hp, u);
    }
  }
}

/** The inverse of fromUnit: where a value sits in [0, 1). */
export function toUnit(hp: Hyperparameter, value: Value): number {
  switch (hp.type) {
    case 'fixed':
      return 0.5;
    case 'boolean':
      return value === true ? 0.75 : 0.25;
    case 'choice':
      return centre(Math.max(0, hp.values.indexOf(value)), hp.values.length);
    default: {
      const v = value as number;
      if (hp.type === 'int' && hp.step === undefined && hp.sampling !== 'linear') return unscale(hp, v + 0.5, hp.max + 1);
      const grid = rangeGrid(hp);
      if (grid) return centre(nearest(grid, v), grid.length);
      const n = gridSize(hp);
      if (n !== undefined) return centre(gridIndex(hp, v, n), n);
      return unscale(hp, v);
    }
  }
}

/** KerasTuner's prob_to_index: floor(p / (1 / n)), which is not always floor(p n) in floats (0.3 / 0.1 < 3). */
function bucket(u: number, n: number): number {
  return Math.min(n - 1, Math.floor(u / (1 / n)));
}

function centre(index: number, n: number): number {
  return (index + 0.5) / n;
}

function nearest(grid: number[], v: number): number {
  let best = 0;
  for (let i = 1; i < grid.length; i++) if (Math.abs(grid[i]! - v) < Math.abs(grid[best]! - v)) best = i;
  return best;
}

function scale(hp: RangeHp, u: number, max = hp.max): number {
  const { min } = hp;
  if (hp.sampling === 'log') return min * Math.pow(max / min, u);
  if (hp.sampling === 'reverse_log') return max + min - min * Math.pow(max / min, 1 - u);
  return min + u * (max - min);
}

function unscale(hp: RangeHp, v: number, max = hp.max): number {
  const { min } = hp;
  if (max === min) return 0.5;
  if (hp.sampling === 'log') return Math.log(v / min) / Math.log(max / min);
  if (hp.sampling === 'reverse_log') return 1 - Math.log((max + min - v) / min) / Math.log(max / min);
  return (v - min) / (max - min);
}

/** True when a value is one the hyperparameter can take. */
export function isValueOf(hp: Hyperparameter, value: Value): boolean {
  const options = discreteValues(hp);
  if (options) return options.some((o) => o === value);
  const range = hp as RangeHp;
  if (typeof value !== 'number' || !(value >= range.min && value <= range.max)) return false;
  const n = gridSize(range);
  if (n === undefined) return true;
  // A grid too large to list: the value must be one of its points (a whole number for an int).
  if (range.type === 'int' && !Number.isInteger(value)) return false;
  const point = gridPoint(range, gridIndex(range, value, n));
  const linear = range.step === undefined || range.sampling === 'linear';
  const tolerance = linear ? 1e-9 * (range.step ?? 1) + 1e-11 * Math.abs(value) : 1e-9 * Math.abs(value);
  return Math.abs(point - value) <= tolerance;
}
