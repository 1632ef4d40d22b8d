/**
 * Growing spaces (issue 13, part 3): a space file that only adds hyperparameters, each with a
 * default, or widens ranges and choice lists, resumes its study and keeps the old trials. The
 * oracles then read an old trial with the new hyperparameters at their defaults, as
 * KerasTuner reads a trial whose hypermodel asked for fewer names.
 */
import { isValueOf } from './encoding.js';
import { defaultValue, type Hyperparameter, type Values } from './hyperparameter.js';
import { show } from './json-parser.js';
import { parseSpace } from './parse-space.js';
import type { Space } from './space.js';

/**
 * How a space file compares to the one a study stored. `grows`: `added` names the new
 * hyperparameters; `build` is the first difference in `model` or `compile`, which the caller
 * must show builds the same classifier for every old trial (it knows the trials), or undefined.
 */
export type SpaceComparison = { kind: 'same' } | { kind: 'grows'; added: string[]; build?: string } | { kind: 'differs'; difference: string };

/** Sections that build the classifier: they may change only where no old trial's model does. */
const BUILD_SECTIONS = new Set(['model', 'compile']);
/** Sections that change nothing a trial ran on. */
const FREE_SECTIONS = new Set(['description']);
/** tuner settings of the run's budget, not of any trial: the command line may override each, so the file may change them too. */
const BUDGET_KEYS = new Set([
  'max_trials',
  'timeout',
  'keep_weights',
  'stop_when',
  'max_consecutive_failed_trials',
  'max_consecutive_invalid_trials',
  'max_retries_per_trial',
]);

/** The tuner section without its budget settings. */
function trialSettings(tuner: unknown): unknown {
  if (typeof tuner !== 'object' || tuner === null || Array.isArray(tuner)) return tuner;
  return Object.fromEntries(Object.entries(tuner).filter(([k]) => !BUDGET_KEYS.has(k)));
}

/**
 * Compares two space files' JSON (the stored one, and the one this run reads); both must be
 * valid space files (parseSpace accepts them). Called by openRunStudy before it resumes a
 * study whose space changed. Returns `differs` with the first difference, placed as a space
 * file path and said as what changed (`hyperparameters.units: max 64 → 32 narrows the range`).
 */
export function compareSpaces(stored: unknown, next: unknown): SpaceComparison {
  if (canonical(stored) === canonical(next)) return { kind: 'same' };
  const a = stored as Record<string, unknown>;
  const b = next as Record<string, unknown>;
  let build: string | undefined;
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
    if (key === 'hyperparameters' || FREE_SECTIONS.has(key)) continue;
    const where = key === 'tuner' ? firstDifference(trialSettings(a[key]), trialSettings(b[key]), key) : firstDifference(a[key], b[key], key);
    if (where === undefined) continue;
    if (!BUILD_SECTIONS.has(key)) return { kind: 'differs', difference: where };
    build ??= where;
  }
  const old = parseSpace(stored, 'stored space').space.hyperparameters;
  const now = parseSpace(next, 'space').space.hyperparameters;
  const matched = new Set<Hyperparameter>();
  for (const hp of old) {
    const twin = now.find((h) => h.name === hp.name && !matched.has(h) && sameCondition(h, hp));
    if (!twin) return { kind: 'differs', difference: `hyperparameters.${hp.name}: removed, or its "when" changed` };
    matched.add(twin);
    const why = narrowing(hp, twin);
    if (why) return { kind: 'differs', difference: `hyperparameters.${hp.name}: ${why}` };
  }
  const added = now.filter((h) => !matched.has(h));
  const raw = (b['hyperparameters'] as Record<string, unknown>[]).filter((_, i) => added.includes(now[i]!));
  const bare = added.find((h, i) => h.type !== 'fixed' && raw[i]!['default'] === undefined);
  if (bare) return { kind: 'differs', difference: `hyperparameters.${bare.name}: added without a "default", which the old trials would need` };
  return { kind: 'grows', added: added.map((h) => h.name), ...(build !== undefined ? { build } : {}) };
}

/**
 * An old trial's values as the grown space reads them: each hyperparameter it lacks that the
 * space makes active takes its default, in declaration order (so a new child of a new parent
 * follows the parent's default). A trial of the same space comes back equal. Called by the
 * scheduler for the trials it shows the oracle.
 */
export function fillGrown(space: Space, values: Values): Values {
  const filled: Values = { ...values };
  for (const hp of space.hyperparameters) if (!(hp.name in filled) && space.isActive(hp, filled)) filled[hp.name] = defaultValue(hp);
  return filled;
}

/** Why `next` does not hold every value of `old` (their types and conditions already match), or undefined. */
function narrowing(old: Hyperparameter, next: Hyperparameter): string | undefined {
  if (old.type !== next.type) return `type ${old.type} → ${next.type}`;
  if (old.default !== next.default && old.default !== undefined) return `default ${show(old.default)} → ${show(next.default)}`;
  if (old.type === 'fixed' && next.type === 'fixed') return old.value === next.value ? undefined : `value ${show(old.value)} → ${show(next.value)}`;
  if (old.type === 'choice' && next.type === 'choice') {
    const lost = old.values.find((v) => !next.values.includes(v));
    if (lost !== undefined) return `values lose ${show(lost)}, which narrows the choice`;
    return old.ordered === next.ordered ? undefined : `ordered ${show(old.ordered)} → ${show(next.ordered)}`;
  }
  if ((old.type === 'int' || old.type === 'float') && (next.type === 'int' || next.type === 'float')) {
    if (next.min > old.min) return `min ${old.min} → ${next.min} narrows the range`;
    if (next.max < old.max) return `max ${old.max} → ${next.max} narrows the range`;
    if (old.sampling !== next.sampling) return `sampling ${old.sampling} → ${next.sampling}`;
    if (old.step !== next.step) return `step ${show(old.step)} → ${show(next.step)}`;
    // A stepped range that widens by a part of a step would move every old point off its grid.
    if (!isValueOf(next, old.min) || !isValueOf(next, old.max)) return `min ${old.min} → ${next.min} moves the grid off the old points`;
  }
  return undefined;
}

function sameCondition(a: Hyperparameter, b: Hyperparameter): boolean {
  return canonical(a.when ?? null) === canonical(b.when ?? null);
}

/** The JSON path of the first difference between two values, with both sides; undefined when equal. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (canonical(a) === canonical(b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
  }
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
      const d = firstDifference(a[k], b[k], `${path}.${k}`);
      if (d !== undefined) return d;
    }
  }
  return `${path}: ${clip(show(a))} → ${clip(show(b))}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** JSON with sorted keys: equal for equal values whatever the key order. */
function canonical(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}
