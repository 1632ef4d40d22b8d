import type { Schedule } from '../oracles/oracle.js';
import type { Values } from '../space/hyperparameter.js';

export type { Schedule };

/**
 * running, complete and failed as in KerasTuner; interrupted: cut off by a signal or a crash,
 * run again by the next start; invalid: its values build no model, so it never trains;
 * stopped: ended by the study itself (another trial's failure ended the run), run again by the
 * next start like an interrupted one.
 */
export const TRIAL_STATUSES = ['running', 'complete', 'failed', 'interrupted', 'invalid', 'stopped'] as const;
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
  /** Set for trials of a Hyperband study. */
  readonly schedule: Readonly<Schedule> | null;
  /** 1 for the first run of the trial; each restart after an interrupt, crash or retry adds one. */
  readonly attempt: number;
}

/** An attempt of a trial that ended without finishing it, kept as the trial's history. */
export interface AttemptRecord {
  readonly attempt: number;
  /** interrupted (a signal), crashed (its process died), retried (it failed and ran again), stopped. */
  readonly outcome: 'interrupted' | 'crashed' | 'retried' | 'stopped';
  readonly startedAt: string;
  readonly endedAt: string;
  /** Which process ran it: host:pid:tag. */
  readonly owner: string | null;
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

/** The splits a study reads, in the order that they are checked. */
export const SPLITS = ['train', 'valid', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** One split's file as a study read it. */
export interface DataFile {
  /** Absolute, so that a resume from another folder reads the same file. */
  readonly path: string;
  readonly size: number;
  /** sha256 of the file's bytes, in hex. */
  readonly sha256: string;
}

/** The files a study ran on, by split: what later commands read, and how they prove it unchanged. */
export type DataRecord = Readonly<Record<Split, DataFile>>;
