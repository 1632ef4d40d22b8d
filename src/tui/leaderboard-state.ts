import type { Values } from '../space/hyperparameter.js';
import type { StudyEndReason, StudyEvent } from '../domain/events.js';
import type { EpochMetrics } from '../domain/trial.js';
import { Direction } from '../domain/direction.js';

/** What the study said about itself when it started: the leaderboard's header. */
export type HeaderInfo = Omit<Extract<StudyEvent, { type: 'study-started' }>, 'type'>;

/** A trial being trained now, as far as its latest epoch event tells. */
export interface RunningTrial {
  number: number;
  values: Values;
  /** 1-based; the execution whose epochs are being reported. */
  execution: number;
  /** Last finished epoch (1-based), 0 before the first one. */
  epoch: number;
  /** The objective's value at that epoch, undefined before the first one. */
  objectiveValue?: number;
  /** val_accuracy at each epoch of this execution so far, for the sparkline; restarts with each execution. */
  curve: number[];
}

/** A trial that completed in this run. */
export interface RankedTrial {
  /** 1 for the best, by score in the study's direction. */
  rank: number;
  number: number;
  values: Values;
  score: number;
  bestEpoch: number;
  seconds: number;
}

export interface FailedTrial {
  number: number;
  error: string;
  status: 'failed' | 'invalid' | 'stopped';
}

/**
 * A trial that ended in this run, as written once above the live board: the scrollback then
 * holds the whole study, in the order trials ended.
 */
export type EndedTrial =
  | { number: number; status: 'complete'; values: Values; score: number; bestEpoch: number; seconds: number; pruned?: number }
  | { number: number; status: 'failed' | 'invalid' | 'stopped'; values: Values; error: string };

/** Everything a reporter shows; built only by {@link reduce}, never changed in place. */
export interface LeaderboardState {
  /** Undefined until study-started arrives. */
  header?: HeaderInfo;
  /** Epoch milliseconds of study-started, for the elapsed clock. */
  startedAt?: number;
  /** Complete and failed trials of this run plus those complete before it. */
  done: number;
  /** In trial-number order. */
  running: RunningTrial[];
  /** Every trial complete in this run, best first. */
  top: RankedTrial[];
  /** In the order they failed. */
  failed: FailedTrial[];
  /** Every trial that ended in this run, complete, pruned or failed, in the order they ended. */
  ended: EndedTrial[];
  /** Trials the study's pruner stopped early in this run: done, but not in `top` (their scores are partial). */
  pruned: number;
  /** Seconds of the trials complete in this run, summed, for the ETA. */
  completedSeconds: number;
  finished?: { reason: StudyEndReason; seconds: number; best?: { number: number; values: Values; score: number } };
}

/** The state before any event: what the reporters start from. */
export function initialState(): LeaderboardState {
  return { done: 0, running: [], top: [], failed: [], ended: [], pruned: 0, completedSeconds: 0 };
}

/**
 * Orders trials best first for `direction`, ties to the earlier trial so the order is stable.
 * Used by the reducer's ranking and by the results summary.
 */
export function byScore(direction: 'max' | 'min'): (a: { score: number; number: number }, b: { score: number; number: number }) => number {
  const order = Direction.order(direction);
  return (a, b) => order(a.score, b.score) || a.number - b.number;
}

/**
 * The next state after `event`. Pure: reporters (Ink leaderboard, plain lines) call it on each
 * study event; `now` (epoch ms) is a parameter so that tests can fix the clock.
 */
export function reduce(state: LeaderboardState, event: StudyEvent, now: number = Date.now()): LeaderboardState {
  switch (event.type) {
    case 'study-started': {
      const { type: _type, ...header } = event;
      return { ...initialState(), header, startedAt: now, done: header.completedBefore };
    }
    case 'trial-started': {
      const trial: RunningTrial = { number: event.number, values: event.values, execution: 1, epoch: 0, curve: [] };
      const others = state.running.filter((t) => t.number !== event.number);
      return { ...state, running: [...others, trial].sort((a, b) => a.number - b.number) };
    }
    case 'epoch': {
      const objective = state.header?.objective;
      // The objective is named by string in the space file; look it up among the metrics by name.
      const metrics: Record<string, number | undefined> = { ...(event.metrics satisfies EpochMetrics) };
      const value = objective !== undefined ? metrics[objective] : undefined;
      const accuracy = event.metrics.val_accuracy;
      const running = state.running.map((t) => {
        if (t.number !== event.number) return t;
        const curve = event.execution === t.execution ? t.curve : [];
        return {
          ...t,
          execution: event.execution,
          epoch: event.epoch,
          ...(value !== undefined ? { objectiveValue: value } : {}),
          curve: Number.isFinite(accuracy) ? [...curve, accuracy] : curve,
        };
      });
      return { ...state, running };
    }
    case 'trial-complete': {
      const { number, values, score, bestEpoch, seconds } = event;
      const ended = [
        ...state.ended,
        { status: 'complete' as const, number, values, score, bestEpoch, seconds, ...(event.pruned !== undefined ? { pruned: event.pruned } : {}) },
      ];
      if (event.pruned !== undefined) return { ...finish(state, number), ended, pruned: state.pruned + 1 };
      const direction = state.header?.direction ?? 'max';
      const top = [...state.top, { rank: 0, number, values, score, bestEpoch, seconds }].sort(byScore(direction)).map((t, i) => ({ ...t, rank: i + 1 }));
      return { ...finish(state, number), top, ended, completedSeconds: state.completedSeconds + seconds };
    }
    case 'trial-failed': {
      const { number, values, error, status } = event;
      return { ...finish(state, number), failed: [...state.failed, { number, error, status }], ended: [...state.ended, { number, status, values, error }] };
    }
    case 'study-finished': {
      const { reason, seconds, best } = event;
      // Trials still listed as running were abandoned (an interrupt); showing them would lie.
      return { ...state, running: [], finished: { reason, seconds, ...(best ? { best } : {}) } };
    }
  }
}

/** A trial leaves the running list and counts as done. */
function finish(state: LeaderboardState, number: number): LeaderboardState {
  return { ...state, done: state.done + 1, running: state.running.filter((t) => t.number !== number) };
}

/**
 * Seconds left, estimated as the mean seconds of the trials complete in this run times the
 * trials remaining, over the trials that run side by side (workers times pack size). Failed trials are left out of
 * the mean: they often fail in their first seconds and would make the estimate too hopeful.
 * Undefined until a trial has completed in this run. Shown by the leaderboard's progress line.
 */
export function eta(state: LeaderboardState): number | undefined {
  const header = state.header;
  if (!header || state.top.length === 0) return undefined;
  const remaining = Math.max(0, header.maxTrials - state.done);
  return ((state.completedSeconds / state.top.length) * remaining) / Math.max(1, header.workers * header.pack);
}

/** Seconds since the study started, 0 before it did. Used for the elapsed clock. */
export function elapsed(state: LeaderboardState, now: number = Date.now()): number {
  return state.startedAt === undefined ? 0 : Math.max(0, (now - state.startedAt) / 1000);
}

/**
 * The best trial known: the one study-finished names once it has arrived (it counts earlier
 * runs too), else the top of this run's ranking. Used for the leaderboard's best line.
 */
export function bestTrial(state: LeaderboardState): { number: number; values: Values; score: number } | undefined {
  return state.finished?.best ?? state.top[0];
}
