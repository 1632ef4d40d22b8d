import { InputError } from '../errors.js';
import { discreteValues, type Hyperparameter, type RangeHp, type Value } from './hyperparameter.js';
import type { Space } from './space.js';
import type { Param } from './study-spec.js';

export type Json = Record<string, unknown>;

/** A value as it reads in a message: JSON, or its text when JSON has none. */
export function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/**
 * Checks of JSON values that throw InputError naming the file, the place (a JSON path) and
 * the rule broken with the value received. The space file's parsers build on it.
 */
export class JsonParser {
  /** `valueChecks` false: a `$name`'s values are not checked against the place that reads it (see parseSpace's `stored`). */
  constructor(
    readonly file: string,
    readonly valueChecks = true,
  ) {}

  fail(where: string, what: string): never {
    throw new InputError(this.file, where, what);
  }

  object(v: unknown, where: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(where, `must be an object, got ${show(v)}`);
    return v as Json;
  }

  array(v: unknown, where: string): unknown[] {
    if (!Array.isArray(v)) this.fail(where, `must be an array, got ${show(v)}`);
    return v;
  }

  string(v: unknown, where: string): string {
    if (typeof v !== 'string' || v === '') this.fail(where, `must be a non-empty string, got ${show(v)}`);
    return v;
  }

  number(v: unknown, where: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(where, `must be a number, got ${show(v)}`);
    return v;
  }

  int(v: unknown, where: string, min: number): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.fail(where, `must be a whole number >= ${min}, got ${show(v)}`);
    return v;
  }

  oneOf<T extends string>(v: unknown, where: string, options: readonly T[]): T {
    if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) this.fail(where, `must be one of ${options.join(', ')}, got ${show(v)}`);
    return v as T;
  }

  only(obj: Json, where: string, keys: string[]): void {
    for (const k of Object.keys(obj)) {
      if (!keys.includes(k)) this.fail(where, `unknown key ${show(k)} (allowed: ${keys.join(', ')})`);
    }
  }

  /**
   * A literal checked by `check`, or `"$name"`: a hyperparameter every value of which passes
   * `check`. A range too long to list is checked at its min, its max and, for a float, at a
   * fraction inside (the rules are intervals, some of whole numbers only), so a range that
   * leaves the rule anywhere is refused at the bound that does. Names with `{i}` (in repeated
   * layers) wait for the repetition count: see repetitions.
   */
  param<T extends number | string>(v: unknown, where: string, space: Space, check: (x: unknown, where: string) => T): Param<T> {
    if (typeof v === 'string' && v.startsWith('$')) {
      const ref = v.slice(1);
      if (ref.includes('{i}')) return { ref };
      const hp = space.byName.get(ref);
      if (!hp) this.fail(where, `refers to an unknown hyperparameter, got ${show(v)}`);
      if (space.repeated.has(ref)) this.fail(where, `refers to ${show(ref)}, which is declared more than once; a layer reads a name declared once`);
      if (this.valueChecks) checkValues(hp, ref, where, check);
      return { ref };
    }
    return check(v, where);
  }

  /**
   * Checks an indexed `"$name_{i}"` of a layer built `times` times as param checks a plain
   * `$name`, at every repetition: name_0, name_1, ... A repetition whose name is no
   * hyperparameter is left to checkLayerConditions, which names the repetition.
   */
  repetitions<T extends number | string>(p: Param<T>, where: string, space: Space, times: number, check: (x: unknown, where: string) => T): void {
    if (typeof p !== 'object' || p === null || !p.ref.includes('{i}')) return;
    for (let i = 0; i < times; i++) {
      const name = p.ref.replaceAll('{i}', String(i));
      const hp = space.byName.get(name);
      if (hp && space.repeated.has(name)) this.fail(where, `refers to ${show(name)}, which is declared more than once; a layer reads a name declared once`);
      if (hp && this.valueChecks) checkValues(hp, name, where, check);
    }
  }
}

/** Runs `check` on every probe of `hp`, each placed as `where (min of "name")`. */
function checkValues(hp: Hyperparameter, name: string, where: string, check: (x: unknown, where: string) => unknown): void {
  for (const [value, label] of probes(hp)) check(value, `${where} (${label} of ${show(name)})`);
}

/** The values of a hyperparameter that a rule is checked at, each with how a message names it. */
function probes(hp: Hyperparameter): [Value, string][] {
  const options = discreteValues(hp);
  if (options) return options.map((o) => [o, `value ${show(o)}`]);
  const { min, max, step, type } = hp as RangeHp;
  const out: [Value, string][] = [
    [min, 'min'],
    [max, 'max'],
  ];
  if (type === 'float') {
    const candidates = step !== undefined ? [min + step] : [Math.floor(min) + 0.5, Math.ceil(min) + 0.5, (min + max) / 2];
    const inside = candidates.find((x) => x >= min && x <= max && !Number.isInteger(x));
    if (inside !== undefined) out.push([inside, `value ${show(inside)}`]);
  }
  return out;
}
