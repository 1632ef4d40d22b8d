import { InputError } from '../errors.js';
import { discreteValues } from './hyperparameter.js';
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
  constructor(readonly file: string) {}

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
   * `check`. Names with `{i}` (in repeated layers) are checked per repetition, later.
   */
  param<T extends number | string>(v: unknown, where: string, space: Space, check: (x: unknown, where: string) => T): Param<T> {
    if (typeof v === 'string' && v.startsWith('$')) {
      const ref = v.slice(1);
      if (ref.includes('{i}')) return { ref };
      const hp = space.byName.get(ref);
      if (!hp) this.fail(where, `refers to an unknown hyperparameter, got ${show(v)}`);
      const options = discreteValues(hp);
      if (options) options.forEach((o) => check(o, `${where} (value ${show(o)} of ${show(ref)})`));
      else check((hp as { min: number }).min, where);
      return { ref };
    }
    return check(v, where);
  }

}
