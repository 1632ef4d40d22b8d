/** A hyperparameter value as it appears in a trial: a number, a string or a boolean. */
export type Value = number | string | boolean;

/** Values by hyperparameter name; an inactive hyperparameter is absent. */
export type Values = Record<string, Value>;

/** `when`: each parent's allowed values; all parents must hold (and be active themselves). */
export type Condition = Record<string, Value[]>;

interface Common {
  name: string;
  when?: Condition;
  default?: Value;
}

export interface ChoiceHp extends Common {
  type: 'choice';
  values: Value[];
  /** Numbers only: whether the order of the values means something (KerasTuner's `ordered`). */
  ordered?: boolean;
}

export type Sampling = 'linear' | 'log' | 'reverse_log';

/**
 * `int` and `float`: min and max included. Without a step a float is continuous and an int
 * takes every whole number; with a step the values are min + k*step (linear) or min * step^k
 * (log kinds, where a step multiplies).
 */
export interface RangeHp extends Common {
  type: 'int' | 'float';
  min: number;
  max: number;
  step?: number;
  sampling: Sampling;
}
export type IntHp = RangeHp & { type: 'int' };
export type FloatHp = RangeHp & { type: 'float' };

export interface BooleanHp extends Common {
  type: 'boolean';
}

export interface FixedHp extends Common {
  type: 'fixed';
  value: Value;
}

export type Hyperparameter = ChoiceHp | RangeHp | BooleanHp | FixedHp;

/** The value a hyperparameter takes when nothing else decides (KerasTuner's defaults). */
export function defaultValue(hp: Hyperparameter): Value {
  if (hp.default !== undefined) return hp.default;
  switch (hp.type) {
    case 'choice':
      return hp.values[0]!;
    case 'boolean':
      return false;
    case 'fixed':
      return hp.value;
    default:
      return hp.min;
  }
}

/**
 * More grid points than this are not listed: the hyperparameter counts as continuous for the
 * checks and counts that need a list, and is sampled on its grid by arithmetic (gridPoint).
 */
const MAX_GRID = 100_000;

/**
 * The grid of a stepped range, or of an int without step, in KerasTuner's index order:
 * ascending, except reverse_log, whose index 0 is max (max + min - min step^k). Undefined for
 * a continuous float or a grid too large to list.
 */
export function rangeGrid(hp: RangeHp): number[] | undefined {
  const step = hp.step ?? (hp.type === 'int' ? 1 : undefined);
  if (step === undefined) return undefined;
  const values: number[] = [];
  if (hp.step !== undefined && hp.sampling !== 'linear') {
    // A log kind with a step: the step multiplies; reverse_log mirrors the grid toward max.
    if (gridSize(hp)! > MAX_GRID + 1) return undefined;
    for (let v = hp.min; v <= hp.max * (1 + 1e-12) && values.length <= MAX_GRID; v *= step) values.push(tidy(v, hp));
    return values.length > MAX_GRID ? undefined : hp.sampling === 'log' ? values : values.map((v) => tidy(hp.max + hp.min - v, hp));
  }
  const count = Math.floor((hp.max - hp.min) / step + 1e-9) + 1;
  if (count > MAX_GRID) return undefined;
  return Array.from({ length: count }, (_, k) => tidy(hp.min + k * step, hp));
}

/**
 * The number of points of a range's grid (rangeGrid's length, listed or not), by arithmetic;
 * undefined for a continuous float. Lets a grid too large to list still be sampled on it.
 */
export function gridSize(hp: RangeHp): number | undefined {
  const step = hp.step ?? (hp.type === 'int' ? 1 : undefined);
  if (step === undefined) return undefined;
  if (hp.step !== undefined && hp.sampling !== 'linear') {
    let n = Math.floor(Math.log(hp.max / hp.min) / Math.log(step) + 1e-9) + 1;
    // The logarithms can overshoot by one point where max sits on the grid's edge.
    while (n > 1 && hp.min * Math.pow(step, n - 1) > hp.max * (1 + 1e-12)) n--;
    return n;
  }
  return Math.floor((hp.max - hp.min) / step + 1e-9) + 1;
}

/**
 * Point `k` (0-based, rangeGrid's order) of a range's grid, computed instead of listed:
 * min + k step, min step^k for log, max + min - min step^k for reverse_log.
 */
export function gridPoint(hp: RangeHp, k: number): number {
  const step = hp.step ?? 1;
  if (hp.step === undefined || hp.sampling === 'linear') return tidy(hp.min + k * step, hp);
  if (hp.sampling === 'log') return tidy(hp.min * Math.pow(step, k), hp);
  return tidy(hp.max + hp.min - tidy(hp.min * Math.pow(step, k), hp), hp);
}

/** The index of the grid point nearest `value`, the inverse of gridPoint. */
export function gridIndex(hp: RangeHp, value: number, n: number): number {
  const step = hp.step ?? 1;
  let k: number;
  if (hp.step === undefined || hp.sampling === 'linear') k = Math.round((value - hp.min) / step);
  else if (hp.sampling === 'log') k = Math.round(Math.log(value / hp.min) / Math.log(step));
  else k = Math.round(Math.log((hp.max + hp.min - value) / hp.min) / Math.log(step));
  return Number.isFinite(k) ? Math.min(n - 1, Math.max(0, k)) : 0;
}

/** The finite list of values a hyperparameter can take, or undefined when it is continuous. */
export function discreteValues(hp: Hyperparameter): Value[] | undefined {
  switch (hp.type) {
    case 'choice':
      return hp.values;
    case 'boolean':
      return [false, true];
    case 'fixed':
      return [hp.value];
    default:
      return rangeGrid(hp);
  }
}

/** Rounds away float noise (0.3 + 3 * 0.1 is 0.6); ints stay whole. */
function tidy(value: number, hp: RangeHp): number {
  if (hp.type === 'int') return Math.round(value);
  return roundTo(value, Math.abs(value) || 1);
}

/** Rounds `value` to about 12 significant digits relative to `scale`. */
export function roundTo(value: number, scale: number): number {
  const decimals = Math.max(0, Math.min(15, -Math.floor(Math.log10(scale)) + 11));
  return Number(value.toFixed(decimals));
}
