import type { Value, Values } from '../space/hyperparameter.js';
import type { Schedule } from '../domain/trial.js';

/** Marks text cut short; one column wide, so widths stay simple to count. */
const ELLIPSIS = '…';

/**
 * A hyperparameter value as text. `compact` keeps four significant digits, for the
 * leaderboard's narrow columns; otherwise the value prints in full, as logs and summaries
 * need it to be reproducible. Called by {@link formatValues} and the summary.
 */
export function formatValue(value: Value, compact = false): string {
  if (typeof value !== 'number' || !compact || Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

/**
 * `name=value` pairs joined by spaces, in `order` (the study's declaration order) first and any
 * other names after, so that columns line up from trial to trial; inactive hyperparameters are
 * absent from `values` and so from the text. Used by the leaderboard and the plain reporter.
 */
export function formatValues(values: Readonly<Values>, order: readonly string[] = [], compact = false): string {
  return valuePairs(values, order, compact).join(' ');
}

/** The `name=value` pairs of {@link formatValues}, one string each, for callers that wrap them. */
export function valuePairs(values: Readonly<Values>, order: readonly string[] = [], compact = false): string[] {
  const names = [...order.filter((name) => name in values), ...Object.keys(values).filter((name) => !order.includes(name))];
  return names.map((name) => `${name}=${formatValue(values[name]!, compact)}`);
}

/**
 * Words joined by spaces into lines of at most `width` columns, broken only between words so
 * that no `name=value` pair is cut; a word longer than the width alone is cut with an ellipsis.
 * Always at least one line (empty when there are no words). The leaderboard wraps value sets
 * with it instead of cutting them.
 */
export function wrapWords(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const w = fit(word, width);
    if (line === '') line = w;
    else if ([...line].length + 1 + [...w].length <= width) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  lines.push(line);
  return lines;
}

/** A score with four decimals, the precision every reporter shows; `-` when not a number. */
export function formatScore(score: number): string {
  return Number.isFinite(score) ? score.toFixed(4) : '-';
}

/**
 * Cuts `text` to at most `width` columns, ending in an ellipsis when cut. The leaderboard
 * formats its own cells with it so that its table stays aligned; it counts one column per
 * character, which holds for hyperparameter names (identifiers) and numbers; a wide character
 * in a choice value or an error may overshoot, and Ink's truncation of each line catches that.
 */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, width - 1).join('') + ELLIPSIS;
}

/** `text` cut or padded with spaces to exactly `width` columns, left or right aligned. */
export function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = fit(text, width);
  return align === 'left' ? cut.padEnd(width) : cut.padStart(width);
}

/** One line of text: runs of whitespace holding a newline become one space. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** A Hyperband trial's place, as the plain reporter shows it: `(bracket 2 round 1 from trial 5, epochs 5-10)`. */
export function describeSchedule(schedule: Schedule): string {
  const from = schedule.parent === undefined ? '' : ` from trial ${schedule.parent}`;
  return `(bracket ${schedule.bracket} round ${schedule.round}${from}, epochs ${schedule.initialEpoch + 1}-${schedule.epochs})`;
}
