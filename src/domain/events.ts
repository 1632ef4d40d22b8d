import type { Values } from '../space/hyperparameter.js';
import type { EpochMetrics, Schedule } from './trial.js';

/**
 * What a running study tells its reporters (Ink leaderboard, plain lines, JSON). The study
 * emits these; reporters only listen, and never change the study.
 */
export type StudyEvent =
  | {
      type: 'study-started';
      study: string;
      oracle: string;
      backend: string;
      /** What trains: the native kernels, or tfjs on `backend`. */
      engine: 'native' | 'tfjs';
      workers: number;
      /** Trials each worker trains together. */
      pack: number;
      objective: string;
      direction: 'max' | 'min';
      maxTrials: number;
      epochs: number;
      executionsPerTrial: number;
      /** Trials already complete from earlier runs of this study. */
      completedBefore: number;
      /** Hyperparameter names in declaration order, for table columns. */
      hyperparameters: string[];
    }
  | { type: 'trial-started'; number: number; values: Values; resumed: boolean; schedule?: Schedule }
  | { type: 'epoch'; number: number; execution: number; epoch: number; metrics: EpochMetrics }
  /** `pruned`: the epoch at which the study's pruner stopped the trial (its status is then pruned, its score its best so far). */
  | { type: 'trial-complete'; number: number; values: Values; score: number; bestEpoch: number; seconds: number; pruned?: number }
  /** `status` says how it ended: failed (an error), invalid (its values build no model), stopped (by the study). */
  | { type: 'trial-failed'; number: number; values: Values; error: string; status: 'failed' | 'invalid' | 'stopped' }
  | { type: 'study-finished'; reason: StudyEndReason; seconds: number; best?: { number: number; values: Values; score: number } };

/**
 * Why an oracle has nothing more to propose: space-exhausted, no untried values are left;
 * search-complete, the oracle's own plan is done (Hyperband's brackets).
 */
export type OracleEndReason = 'space-exhausted' | 'search-complete';

/** timeout: the tuner's budget of time was spent; plateau: stop_when's patience ran out. */
export type StudyEndReason = 'max-trials' | OracleEndReason | 'failures' | 'invalid' | 'interrupted' | 'timeout' | 'plateau';

export type StudyListener = (event: StudyEvent) => void;
