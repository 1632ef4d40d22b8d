import type { Values } from '../space/hyperparameter.js';
import { byScore } from './leaderboard-state.js';
import { formatScore, formatValue } from './format.js';

/** A complete trial as the summary needs it. */
export interface SummaryTrial {
  number: number;
  values: Values;
  score: number;
  /** Null for a result added from outside without epochs (`tune add`). */
  bestEpoch: number | null;
  seconds: number;
}

/**
 * The best trials as a text block in the manner of KerasTuner's `results_summary()`: a title,
 * the objective, then per trial (best first) its hyperparameters one `name: value` per line and
 * its score. Printed at the end of `tune run` and by `tune best`. Returns the block with no
 * trailing newline.
 */
export function resultsSummary(trials: readonly SummaryTrial[], objective: string, direction: 'max' | 'min', top = 10): string {
  const lines = ['Results summary', `Objective: ${objective} (${direction})`];
  const best = [...trials].sort(byScore(direction)).slice(0, Math.max(0, top));
  if (best.length === 0) {
    lines.push('No complete trials.');
    return lines.join('\n');
  }
  lines.push(`Showing ${best.length} best trial${best.length === 1 ? '' : 's'}`);
  for (const t of best) {
    lines.push('', `Trial ${t.number} summary`, 'Hyperparameters:');
    // Values hold only the active hyperparameters, in the order the oracle chose them.
    for (const [name, value] of Object.entries(t.values)) lines.push(`${name}: ${formatValue(value)}`);
    lines.push(`Score: ${formatScore(t.score)}`, `Best epoch: ${t.bestEpoch ?? '-'}`, `Seconds: ${t.seconds.toFixed(1)}`);
  }
  return lines.join('\n');
}
