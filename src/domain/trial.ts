import type { Values } from '../space/hyperparameter.js';
import type { ClassMetric } from './metrics.js';

/**
 * Where a trial sits in a Hyperband schedule (KerasTuner's tuner/* values): it trains from
 * epoch `initialEpoch` to `epochs`, continuing from trial `parent` (a trial number) when set.
 */
export interface Schedule {
  iteration: number;
  bracket: number;
  round: number;
  initialEpoch: number;
  epochs: number;
  parent?: number;
}

/**
 * running, complete and failed as in KerasTuner; interrupted: cut off by a signal or a crash,
 * run again by the next start; invalid: its values build no model, so it never trains;
 * stopped: ended by the study itself (another trial's failure ended the run), run again by the
 * next start like an interrupted one; pruned: ended early by the study's pruner, with its
 * epochs and its score so far (Optuna's PRUNED: the oracle learns from it as from a complete
 * one); waiting: enqueued by the user (`tune enqueue`, the tuner's `enqueue`), run before any
 * new proposal (Optuna's WAITING).
 */
export const TRIAL_STATUSES = ['running', 'complete', 'failed', 'interrupted', 'invalid', 'stopped', 'pruned', 'waiting'] as const;
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

/**
 * The one table of how a trial's status may change: each change, the statuses it starts
 * from, the status it leads to, and how its refusal reads. Every storage checks its changes
 * here. An interrupt (a signal, a crash) picks only running trials, so it is never refused.
 */
export const TRANSITIONS = {
  complete: { from: ['running'], to: 'complete', refused: 'only a running trial finishes' },
  fail: { from: ['running'], to: 'failed', refused: 'only a running trial finishes' },
  invalid: { from: ['running'], to: 'invalid', refused: 'only a running trial finishes' },
  stop: { from: ['running'], to: 'stopped', refused: 'only a running trial finishes' },
  prune: { from: ['running'], to: 'pruned', refused: 'only a running trial finishes' },
  interrupt: { from: ['running'], to: 'interrupted', refused: 'only a running trial is interrupted' },
  // A retry starts the trial's next attempt at once: it stays running.
  retry: { from: ['running'], to: 'running', refused: 'only a running trial is retried' },
  // A waiting trial's first start is a restart too: it has a number and values, and no attempt yet.
  restart: { from: ['interrupted', 'stopped', 'waiting'], to: 'running', refused: 'only an interrupted, stopped or waiting trial (re)starts' },
} as const satisfies Record<string, { from: readonly TrialStatus[]; to: TrialStatus; refused: string }>;
export type Transition = keyof typeof TRANSITIONS;

/** Throws Error (a bug in the caller) unless a trial in `status` may make the change `transition`. */
export function checkTransition(trialId: number, status: TrialStatus, transition: Transition): void {
  const rule = TRANSITIONS[transition];
  if (!(rule.from as readonly TrialStatus[]).includes(status)) throw new Error(`trial ${trialId} is ${status}; ${rule.refused}`);
}

/** Statuses that count toward max_trials: done, or going to run until done. */
export const COUNTED_STATUSES: ReadonlySet<TrialStatus> = new Set(['complete', 'pruned', 'running', 'interrupted', 'stopped', 'waiting']);

/** Statuses of trials that run (again), with their own values, before anything new. */
export const RESUMABLE_STATUSES: ReadonlySet<TrialStatus> = new Set(['interrupted', 'stopped', 'waiting']);

/** Statuses of trials with a score that the oracle learns from (a pruned trial's is its best so far). */
export const SCORED_STATUSES: ReadonlySet<TrialStatus> = new Set(['complete', 'pruned']);

/** A status set as an SQL list (`'a', 'b'`), so that queries count what the sets above say. */
export function sqlList(statuses: ReadonlySet<TrialStatus> | readonly TrialStatus[]): string {
  return [...statuses].map((s) => `'${s}'`).join(', ');
}

/** One epoch's metrics, as Keras names them; the class metrics where `compile.metrics` asks for them (domain/metrics.ts). */
export interface EpochMetrics extends Partial<Record<ClassMetric, number>> {
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
