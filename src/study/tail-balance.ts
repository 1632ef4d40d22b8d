import { concreteModel, InvalidValues, weightShapes } from '../engine/model-spec.js';
import type { Values } from '../space/hyperparameter.js';
import type { StudySpec } from '../space/study-spec.js';

/**
 * A trial's training cost in weight-epochs: its model's weights times the epochs it trains.
 * A step's time grows with the weights on both engines (the first layer's dominate), and every
 * execution of a study trains as many, so trials compare by this alone. 0 for values that
 * build no model (they never train).
 */
export function trialCost(spec: StudySpec, values: Values, inputDim: number, epochs: number): number {
  try {
    const weights = weightShapes(concreteModel(spec.model, spec.compile, values, inputDim)).reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
    return weights * epochs;
  } catch (err) {
    if (err instanceof InvalidValues) return 0;
    throw err;
  }
}

/** The cost a pack under way has left, lowered as its epochs come in. */
export class PackLoad {
  constructor(public left: number) {}

  /** One member's epoch of a trial of cost `cost` that trains `epochs` epochs on `members` members. */
  epochDone(cost: number, members: number, epochs: number): void {
    this.left = Math.max(0, this.left - cost / Math.max(1, members * epochs));
  }
}

export interface TailState {
  /** The cost of the trials in the pack being filled. */
  pack: number;
  /** Trials the study still has to start after them (max_trials less every counted trial). */
  left: number;
  /** The mean cost of the trials drawn so far: what each of those left is expected to cost. */
  mean: number;
  /** What the packs under way have left. */
  busy: number;
  /** The packs trained at once. */
  slots: number;
}

/**
 * Whether the pack being filled already holds its share of the study's remaining work (its
 * own, the trials left to start, the packs under way), spread evenly over the slots. Near
 * the end of a study, a full pack would keep one worker busy long after the others ran out
 * of trials: the seed's study left a worker idle 5.9 s of 143, and a 16-trial study 4.4 s of
 * 7.9. Far from the end the share is larger than any pack, and packs fill as before.
 */
export function holdsItsShare(s: TailState): boolean {
  if (s.left <= 0 || s.slots <= 1) return false;
  return s.pack * s.slots >= s.pack + s.left * s.mean + s.busy;
}
