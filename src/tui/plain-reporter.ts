import type { Values } from '../space/hyperparameter.js';
import type { StudyEvent, StudyListener } from '../domain/events.js';
import { bestTrial, initialState, reduce } from './leaderboard-state.js';
import { describeSchedule, formatScore, formatValues, oneLine } from './format.js';

/**
 * The study as plain log lines, for `tune run` off a terminal or without the TUI: one line per
 * start, trial and finish, none per epoch, no ANSI codes; each trial line starts with
 * `trial N ` so that `grep 'trial 3 '` follows one trial. `write` receives lines without a
 * newline. Returns the listener to give the study.
 */
export function plainReporter(write: (line: string) => void): StudyListener {
  let state = initialState();
  return (event: StudyEvent) => {
    state = reduce(state, event);
    const h = state.header;
    const order = h?.hyperparameters ?? [];
    const objective = h?.objective ?? 'score';
    const withValues = (text: string, values: Values): string => {
      const v = formatValues(values, order);
      return v ? `${text} ${v}` : text;
    };
    switch (event.type) {
      case 'study-started':
        write(
          `study ${event.study} started oracle=${event.oracle} backend=${event.backend} workers=${event.workers} pack=${event.pack}` +
            ` trials=${event.maxTrials} completed_before=${event.completedBefore} objective=${event.objective} direction=${event.direction}`,
        );
        return;
      case 'trial-started':
        write(
          withValues(
            `trial ${event.number} ${event.resumed ? 'resumed' : 'started'}${event.schedule ? ` ${describeSchedule(event.schedule)}` : ''}`,
            event.values,
          ),
        );
        return;
      case 'epoch':
        return;
      case 'trial-complete': {
        if (event.pruned !== undefined) {
          const score = `${objective}=${formatScore(event.score)}`;
          write(`trial ${event.number} pruned at epoch ${event.pruned} ${score} (best epoch ${event.bestEpoch}, ${event.seconds.toFixed(1)}s)`);
          return;
        }
        // The reducer has already ranked this trial, so the best may be this very trial.
        const best = state.top[0]!;
        write(
          `trial ${event.number} complete ${objective}=${formatScore(event.score)} (best epoch ${event.bestEpoch}, ${event.seconds.toFixed(1)}s)` +
            ` best so far: trial ${best.number} ${formatScore(best.score)}`,
        );
        return;
      }
      case 'trial-failed':
        write(`trial ${event.number} ${event.status}: ${oneLine(event.error)}`);
        return;
      case 'study-finished': {
        const best = bestTrial(state);
        const head = `study ${h?.study ?? '?'} finished reason=${event.reason} seconds=${event.seconds.toFixed(1)} done=${state.done}`;
        write(best ? withValues(`${head} best: trial ${best.number} ${objective}=${formatScore(best.score)}`, best.values) : `${head} best: none`);
        return;
      }
    }
  };
}
