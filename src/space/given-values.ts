import { InputError } from '../errors.js';
import { isValueOf } from './encoding.js';
import { defaultValue, discreteValues, type Value, type Values } from './hyperparameter.js';
import { show } from './json-parser.js';
import { emptyValues, type Space } from './space.js';

/**
 * Checks a value set that the user gives (`tune enqueue`, `tune add`, the tuner's `enqueue`)
 * against the space, and returns it as a trial's values: every name known, every value one
 * its hyperparameter can take, no value for a hyperparameter that these values leave
 * inactive. An active hyperparameter left out takes its default, as KerasTuner's
 * hyperparameters do when nothing sets them. Throws InputError naming `file` and `where`
 * (with the hyperparameter's name appended) and the value received.
 */
export function givenValues(space: Space, raw: unknown, file: string, where: string): Values {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError(file, where, `must be an object of hyperparameter values, got ${show(raw)}`);
  }
  const given = raw as Record<string, unknown>;
  const known = [...space.byName.keys()];
  for (const name of Object.keys(given)) {
    if (!space.byName.has(name)) throw new InputError(file, `${where}.${name}`, `is not a hyperparameter of the space (names: ${known.join(', ')})`);
  }
  const values = emptyValues();
  // Declaration order puts parents before children, so each condition reads settled values.
  for (const hp of space.hyperparameters) {
    const v = given[hp.name];
    const at = `${where}.${hp.name}`;
    if (!space.isActive(hp, values)) {
      if (v !== undefined) throw new InputError(file, at, `is inactive for these values (it needs ${conditionText(hp.when!)}), got ${show(v)}`);
      continue;
    }
    if (v === undefined) {
      values[hp.name] = defaultValue(hp);
      continue;
    }
    if ((typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') || !isValueOf(hp, v)) {
      throw new InputError(file, at, `must be ${allowedText(hp)}, got ${show(v)}`);
    }
    values[hp.name] = v;
  }
  return values;
}

function conditionText(when: Record<string, Value[]>): string {
  return Object.entries(when)
    .map(([parent, allowed]) => `${parent} in ${show(allowed)}`)
    .join(' and ');
}

function allowedText(hp: Parameters<typeof discreteValues>[0]): string {
  const options = discreteValues(hp);
  if (options !== undefined && options.length <= 20) return `one of ${show(options)}`;
  if (hp.type === 'int' || hp.type === 'float') {
    const step = hp.step !== undefined ? ` on its step ${hp.step}` : hp.type === 'int' ? ', a whole number' : '';
    return `within ${hp.min}..${hp.max}${step}`;
  }
  return 'one of its values';
}
