import { stripVTControlCharacters } from 'node:util';
import type { StudyEvent } from '../../src/domain/events.js';
import { initialState, reduce, type LeaderboardState } from '../../src/tui/leaderboard-state.js';

/** When the fixture study starts, epoch ms; every event time is relative to it. */
export const T0 = 1_700_000_000_000;

const HPS = ['units', 'dropout', 'optimizer', 'learning_rate', 'momentum', 'batch_norm'];
// `momentum` is active only with sgd, `learning_rate` only with adam: inactive ones are absent.
const adam = (units: number, dropout: number, lr: number) => ({ units, dropout, optimizer: 'adam', learning_rate: lr, batch_norm: true });
const sgd = (units: number, dropout: number, momentum: number) => ({ units, dropout, optimizer: 'sgd', momentum, batch_norm: false });
const metrics = (v: number) => ({ loss: 0.5, accuracy: 0.8, val_loss: v, val_accuracy: v });

export const LONG_ERROR =
  'Error: OOM when allocating tensor with shape [512,25088] and type float on /job:localhost/replica:0/task:0\n    at train (mlp.js:42)';

/**
 * A study mid-run, as a worker pool of 2 would report it: 1 trial complete before this run,
 * then trials 2, 3, 5, 6 complete, 4 failed, and 7 and 8 running mid-epoch. Scores are the
 * same whatever the direction, so that tests see the ranking flip.
 * Returns [event, time in ms] pairs.
 */
export function studyEvents(direction: 'max' | 'min' = 'max', objective = direction === 'max' ? 'val_accuracy' : 'val_loss'): [StudyEvent, number][] {
  const at = (s: number) => T0 + s * 1000;
  return [
    [
      {
        type: 'study-started',
        study: 'gender',
        oracle: 'random',
        backend: 'tfjs-node',
        engine: 'tfjs',
        workers: 2,
        pack: 1,
        objective,
        direction,
        maxTrials: 10,
        epochs: 50,
        executionsPerTrial: 2,
        completedBefore: 1,
        hyperparameters: HPS,
      },
      at(0),
    ],
    [{ type: 'trial-started', number: 2, values: adam(256, 0.3, 0.001), resumed: false }, at(0)],
    [{ type: 'trial-started', number: 3, values: sgd(128, 0.5, 0.9), resumed: false }, at(0)],
    [{ type: 'epoch', number: 2, execution: 1, epoch: 1, metrics: metrics(0.71) }, at(1)],
    [{ type: 'trial-complete', number: 2, values: adam(256, 0.3, 0.001), score: 0.9, bestEpoch: 31, seconds: 30 }, at(30)],
    [{ type: 'trial-started', number: 4, values: adam(1024, 0.2, 0.01), resumed: false }, at(30)],
    [{ type: 'trial-complete', number: 3, values: sgd(128, 0.5, 0.9), score: 0.8812, bestEpoch: 44, seconds: 35 }, at(35)],
    [{ type: 'trial-started', number: 5, values: adam(512, 0.1, 0.0001), resumed: false }, at(35)],
    [{ type: 'trial-failed', number: 4, values: adam(1024, 0.2, 0.01), error: LONG_ERROR, status: 'failed' }, at(36)],
    [{ type: 'trial-started', number: 6, values: sgd(64, 0.4, 0.95), resumed: false }, at(36)],
    [{ type: 'trial-complete', number: 6, values: sgd(64, 0.4, 0.95), score: 0.9125, bestEpoch: 9, seconds: 33 }, at(69)],
    [{ type: 'trial-started', number: 8, values: sgd(16, 0, 0.5), resumed: false }, at(69)],
    [{ type: 'trial-complete', number: 5, values: adam(512, 0.1, 0.0001), score: 0.9321, bestEpoch: 17, seconds: 40 }, at(75)],
    [{ type: 'trial-started', number: 7, values: adam(32, 0.25, 0.003), resumed: false }, at(75)],
    [{ type: 'epoch', number: 7, execution: 1, epoch: 23, metrics: metrics(0.8412) }, at(100)],
    [{ type: 'epoch', number: 8, execution: 2, epoch: 5, metrics: metrics(0.7012) }, at(110)],
  ];
}

/** The state after `events`, each reduced at its own time. */
export function feed(events: [StudyEvent, number][], state: LeaderboardState = initialState()): LeaderboardState {
  return events.reduce((s, [event, now]) => reduce(s, event, now), state);
}

/**
 * Terminal columns of one line once ANSI codes are gone: East Asian wide characters and
 * emoji take two, combining marks none, the rest one. Written here rather than imported
 * because string-width is only a dependency of Ink's, not of this package.
 */
export function columns(line: string): number {
  let width = 0;
  for (const ch of stripVTControlCharacters(line)) {
    if (/\p{Mn}|\p{Me}|\u200b|\u200d/u.test(ch)) continue;
    width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|\p{Extended_Pictographic}/u.test(ch) ? 2 : 1;
  }
  return width;
}
