import { durationSeconds, DURATION_RULE } from './duration.js';
import { givenValues } from './given-values.js';
import type { Values } from './hyperparameter.js';
import { show, type JsonParser } from './json-parser.js';
import type { Space } from './space.js';
import type { StopWhen } from './study-spec.js';

/**
 * The tuner section's warm starts and budgets: `enqueue` (value sets checked against the
 * space), `timeout` (seconds as a number, or a duration text) and `stop_when`. Each throws
 * InputError through `p` naming its key and the value received.
 */
export function parseEnqueue(p: JsonParser, v: unknown, space: Space): Values[] {
  return p.array(v, 'tuner.enqueue').map((set, i) => givenValues(space, set, p.file, `tuner.enqueue[${i}]`));
}

export function parseTimeout(p: JsonParser, v: unknown): number {
  const seconds = typeof v === 'number' ? (v > 0 && Number.isFinite(v) ? v : undefined) : typeof v === 'string' ? durationSeconds(v) : undefined;
  if (seconds === undefined) p.fail('tuner.timeout', `${DURATION_RULE} (a number is seconds), got ${show(v)}`);
  return seconds;
}

export function parseStopWhen(p: JsonParser, v: unknown): StopWhen {
  const s = p.object(v, 'tuner.stop_when');
  p.only(s, 'tuner.stop_when', ['patience_trials']);
  if (s['patience_trials'] === undefined) p.fail('tuner.stop_when', 'must name patience_trials, got {}');
  return { patienceTrials: p.int(s['patience_trials'], 'tuner.stop_when.patience_trials', 1) };
}
