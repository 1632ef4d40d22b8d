import { Static, Text } from 'ink';
import type { EndedTrial, LeaderboardState } from './leaderboard-state.js';
import { Leaderboard } from './Leaderboard.js';
import { formatScore, formatValues, oneLine } from './format.js';

export interface StudyViewProps {
  state: LeaderboardState;
  now?: number;
  width?: number;
  height?: number;
}

/**
 * What `tune run` draws on a terminal: each trial that ends is written once, above the live
 * board, with Ink's `<Static>`, so that the scrollback keeps the whole study after the board
 * has moved on; below it the live board of {@link Leaderboard}. Drawn by the Ink reporter.
 */
export function StudyView({ state, now = Date.now(), width = 80, height }: StudyViewProps) {
  const order = state.header?.hyperparameters ?? [];
  const objective = state.header?.objective ?? 'score';
  return (
    <>
      <Static items={state.ended}>
        {(t) => (
          // Ink wraps these at spaces: a value set runs on to the next line, never cut.
          <Text key={t.number} {...(t.status === 'complete' ? {} : { color: 'red' })}>
            {endedLine(t, objective, order)}
          </Text>
        )}
      </Static>
      <Leaderboard state={state} now={now} width={width} {...(height !== undefined ? { height } : {})} />
    </>
  );
}

/** `trial 5 complete val_accuracy 0.9321 epoch 17 40.0s units=512 ...`, or `trial 4 failed: Error: ...`. */
export function endedLine(t: EndedTrial, objective: string, order: readonly string[]): string {
  const values = formatValues(t.values, order, true);
  if (t.status !== 'complete') return `trial ${t.number} ${t.status}: ${oneLine(t.error)}${values ? `  ${values}` : ''}`;
  const status = t.pruned !== undefined ? `pruned at epoch ${t.pruned}` : 'complete';
  return `trial ${t.number} ${status} ${objective} ${formatScore(t.score)} epoch ${t.bestEpoch} ${t.seconds.toFixed(1)}s${values ? `  ${values}` : ''}`;
}
