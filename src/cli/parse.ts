import { InputError } from '../errors.js';
import { DURATION_RULE, durationSeconds } from '../space/duration.js';
import { nameProblem } from '../space/names.js';

/** Where `--db` points when it is not given. */
export const DEFAULT_DB = 'trials.db';

/** Parses a whole number flag within [min, max]; throws InputError naming the flag. */
export function intFlag(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min}..${max}`;
      throw new InputError('command line', flag, `must be a whole number ${range}, got "${value}"`);
    }
    return n;
  };
}

/** Parses a flag whose value is one of `choices`; throws InputError naming the flag. */
export function choiceFlag<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new InputError('command line', flag, `must be one of ${choices.join(', ')}, got "${value}"`);
  };
}

/**
 * Parses `--study NAME` on every command that takes it (commander calls it with the flag's
 * text): the name must pass the rule that space files' names pass. Returns the name; throws
 * InputError naming the flag.
 */
export function studyFlag(value: string): string {
  const bad = nameProblem(value);
  if (bad) throw new InputError('command line', '--study', bad);
  return value;
}

/** Parses a duration flag (`90s`, `30m`, `2h`; a bare number is seconds) into seconds; throws InputError naming the flag. */
export function durationFlag(flag: string) {
  return (value: string): number => {
    const seconds = durationSeconds(value);
    if (seconds === undefined) throw new InputError('command line', flag, `${DURATION_RULE}, got "${value}"`);
    return seconds;
  };
}
