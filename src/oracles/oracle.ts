import type { OracleEndReason } from '../domain/events.js';
import type { Schedule } from '../domain/trial.js';
import type { Values } from '../space/hyperparameter.js';

/** A trial of the study as an oracle sees it, whatever its status. */
export interface PastTrial {
  number: number;
  values: Values;
  status: string;
  score: number | null;
  schedule: Schedule | null;
}

/** What an oracle asks the study to run next. */
export interface Proposal {
  values: Values;
  /** Set by Hyperband: how long to train, and from which trial's checkpoint. */
  schedule?: Schedule;
}

/** Values as a proposal, keeping "nothing left" as undefined. */
export function asProposal(values: Values | undefined): Proposal | undefined {
  return values && { values };
}

/** A finished trial as an oracle sees it. */
export interface Observation {
  values: Values;
  score: number;
}

export interface ProposalContext {
  /** Complete trials with their scores. */
  completed: Observation[];
  /** Values of trials running now (their scores are not known yet). */
  pending: Values[];
  /** Space keys (Space.key) of every values set already used, whatever its status. */
  tried: Set<string>;
  /** Every trial of the study so far, by number (Hyperband reads its brackets from them). */
  trials: PastTrial[];
}

/**
 * Decides the values of the next trial. The study (main thread) asks; an oracle never trains
 * and never stores, and keeps no state the trials do not hold, so a resumed study or a second
 * process asking gets the same answers. Implementations: RandomOracle, GridOracle,
 * BayesianOracle, TpeOracle, HyperbandOracle (one file each).
 */
export interface Oracle {
  readonly name: string;
  /** Why the study ends when propose returns undefined (its space, or its own plan, is done). */
  readonly endReason: OracleEndReason;
  /**
   * The trials and epochs the study's header promises, given max_trials and the tuner's
   * epochs: an oracle with its own plan (Hyperband's brackets) says what it will run. Oracles
   * without one leave it out, and the study promises what the tuner says.
   */
  plan?(limits: { maxTrials: number; epochs: number }): { maxTrials: number; epochs: number };
  /**
   * Whether a trial with `schedule` must keep each execution's optimizer state at its best
   * epoch, because a later trial may continue from it (copying it out costs time). Oracles
   * without promotions leave it out: no trial keeps one.
   */
  wantsCheckpoint?(schedule: Schedule | null): boolean;
  /**
   * The next trial: new values, never equal to one in `context.tried` (only Hyperband's
   * promotions repeat their parent's values, with a schedule saying so); 'wait' when nothing
   * can be proposed until a running trial ends; undefined when the search is over (the space
   * is exhausted, or the oracle's own plan is done). Called each time a worker is free.
   */
  propose(context: ProposalContext): Proposal | 'wait' | undefined;
  /**
   * Trial numbers whose checkpoints a later proposal may still continue from; the study drops
   * every other checkpoint. Oracles without promotions keep none.
   */
  checkpointsNeeded?(trials: PastTrial[]): number[];
}

/** Spaces up to this many distinct value sets are enumerated instead of sampled. */
export const ENUMERATION_LIMIT = 20_000;
/** Random draws tried before an oracle concludes that only tried values are left. */
export const MAX_COLLISIONS = 200;
