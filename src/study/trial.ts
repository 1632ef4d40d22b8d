import type { Values } from '../space/hyperparameter.js';

export const TRIAL_STATUSES = ['running', 'complete', 'failed', 'interrupted'] as const;
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

/** One epoch's metrics, as Keras names them. */
export interface EpochMetrics {
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
}

/** A trial as storage returns it: immutable; its status changes only through the study. */
export interface TrialRecord {
  readonly id: number;
  /** 1, 2, 3... within its study. */
  readonly number: number;
  readonly status: TrialStatus;
  readonly values: Readonly<Values>;
  /** Mean over executions of each execution's best objective value; set when complete. */
  readonly score: number | null;
  /** Best epoch (1-based) of the execution whose weights were kept. */
  readonly bestEpoch: number | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly seconds: number | null;
  readonly error: string | null;
}

/** A study as storage returns it. */
export interface StudyRecord {
  readonly id: number;
  readonly name: string;
  /** The space file's JSON the study was created with. */
  readonly space: unknown;
  readonly objective: string;
  readonly direction: 'max' | 'min';
  readonly createdAt: string;
}
