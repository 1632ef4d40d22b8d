import type { Values } from '../space/hyperparameter.js';

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
}

/**
 * Decides the values of the next trial. The study (main thread) asks; an oracle never trains
 * and never stores. Implementations: RandomOracle, BayesianOracle (one file each).
 */
export interface Oracle {
  readonly name: string;
  /**
   * New values, never equal to one in `context.tried`, or undefined when no untried values
   * set is left (the space is exhausted). Called by the study each time a worker is free.
   */
  propose(context: ProposalContext): Values | undefined;
}

/** Spaces up to this many distinct value sets are enumerated instead of sampled. */
export const ENUMERATION_LIMIT = 20_000;
/** Random draws tried before an oracle concludes that only tried values are left. */
export const MAX_COLLISIONS = 200;
