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
}

export interface FloatHp extends Common {
  type: 'float';
  min: number;
  max: number;
  /** Values are min + k * step, up to max. */
  step?: number;
  sampling: 'linear' | 'log';
}

export interface IntHp extends Common {
  type: 'int';
  min: number;
  max: number;
  step: number;
  sampling: 'linear' | 'log';
}

export interface BooleanHp extends Common {
  type: 'boolean';
}

export type Hyperparameter = ChoiceHp | FloatHp | IntHp | BooleanHp;

/** The value a hyperparameter takes when nothing else decides: its `default`, else its first. */
export function defaultValue(hp: Hyperparameter): Value {
  if (hp.default !== undefined) return hp.default;
  switch (hp.type) {
    case 'choice':
      return hp.values[0]!;
    case 'boolean':
      return false;
    default:
      return hp.min;
  }
}

/** The finite list of values a hyperparameter can take, or undefined for a continuous float. */
export function discreteValues(hp: Hyperparameter): Value[] | undefined {
  switch (hp.type) {
    case 'choice':
      return hp.values;
    case 'boolean':
      return [false, true];
    case 'int':
    case 'float': {
      if (hp.type === 'float' && hp.step === undefined) return undefined;
      const step = hp.step!;
      const count = Math.floor((hp.max - hp.min) / step + 1e-9) + 1;
      return Array.from({ length: count }, (_, k) => roundTo(hp.min + k * step, step));
    }
  }
}

/** Rounds away float noise so that 0.3 + 3 * 0.1 prints and compares as 0.6. */
export function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, Math.min(12, -Math.floor(Math.log10(step)) + 6));
  return Number(value.toFixed(decimals));
}
