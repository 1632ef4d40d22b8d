import { Direction } from '../domain/direction.js';
import { SCORED_STATUSES, type TrialRecord } from '../domain/trial.js';

/**
 * Whether the study's best score has not improved for `patience` scored trials (complete or
 * pruned, every run's and host's, in the order they finished): stop_when's patience_trials.
 * Only a strictly better score counts as an improvement. Called by the scheduler before it
 * starts more trials.
 */
export function plateaued(trials: readonly TrialRecord[], direction: Direction, patience: number): boolean {
  const scored = trials
    .filter((t) => SCORED_STATUSES.has(t.status) && t.score !== null)
    .sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? '') || a.number - b.number);
  let best: number | undefined;
  let since = 0;
  for (const t of scored) {
    if (best === undefined || Direction.better(direction, t.score!, best)) {
      best = t.score!;
      since = 0;
    } else since++;
  }
  return best !== undefined && since >= patience;
}
