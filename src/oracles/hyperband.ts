import type { Rng } from '../random/rng.js';
import { emptyValues, type Space } from '../space/space.js';
import type { Schedule } from '../domain/trial.js';
import type { Oracle, PastTrial, Proposal, ProposalContext } from './oracle.js';
import { lazyEnumeration, untriedSample } from './random.js';
import { Direction } from '../domain/direction.js';

export interface HyperbandOptions {
  /** Epochs of the longest training (the last round of every bracket). */
  maxEpochs: number;
  /** How much each round shrinks the trials and stretches the epochs. */
  factor: number;
  /** How many times the whole set of brackets runs. */
  iterations: number;
}

/*
 * KerasTuner's arithmetic, formula for formula (including its float logarithm), so that a
 * study planned there has the same brackets here: 30 trials for max_epochs 10, 254 for 100.
 */

/** Brackets per iteration: how often max_epochs divides by factor before it drops below 1. */
export function bracketCount(maxEpochs: number, factor: number): number {
  let brackets = 0;
  for (let epochs = maxEpochs; epochs >= 1; epochs /= factor) brackets++;
  return brackets;
}

/** Trials in one round of a bracket; each bracket costs about the same number of epochs. */
export function roundSize(maxEpochs: number, factor: number, bracket: number, round: number): number {
  const lastRoundOfBracket0 = Math.ceil(1 + logBase(maxEpochs, factor));
  return Math.ceil((lastRoundOfBracket0 / (bracket + 1)) * factor ** (bracket - round));
}

/**
 * log_factor(x) as Python's math.log(x, factor) gives it to KerasTuner. V8's quotient of two
 * logarithms misses exact powers by an ulp (log(9) / log(3) is 2.0000000000000004), and the
 * ceil above then plans a whole extra round: 30 trials for max_epochs 9 where KerasTuner plans 23.
 */
export function logBase(x: number, factor: number): number {
  const quotient = Math.log(x) / Math.log(factor);
  const whole = Math.round(quotient);
  return Math.abs(quotient - whole) < 1e-9 && factor ** whole === x ? whole : quotient;
}

/** The epoch a round's trials train up to (its initial epoch is the previous round's). */
export function roundEpochs(maxEpochs: number, factor: number, bracket: number, round: number): number {
  return Math.ceil(maxEpochs / factor ** (bracket - round));
}

/** Every trial a Hyperband search plans: fresh ones and promotions, over all iterations. */
export function plannedTrials(options: HyperbandOptions): number {
  let total = 0;
  for (let bracket = 0; bracket < bracketCount(options.maxEpochs, options.factor); bracket++) {
    for (let round = 0; round <= bracket; round++) total += roundSize(options.maxEpochs, options.factor, bracket, round);
  }
  return total * options.iterations;
}

/** Trials that ended without a score: they drop out of their round. */
const LOST = new Set(['failed', 'invalid']);

interface Slot {
  iteration: number;
  bracket: number;
}

/** A bracket as the trials show it: who is in which round, and what each round still needs. */
class BracketState {
  readonly rounds: PastTrial[][];

  constructor(
    readonly slot: Slot,
    trials: PastTrial[],
    private readonly options: HyperbandOptions,
    /** True when no untried values are left, so round 0 closes with the trials it has. */
    private readonly exhausted: boolean,
  ) {
    this.rounds = Array.from({ length: slot.bracket + 1 }, (_, round) => trials.filter((t) => t.schedule!.round === round));
  }

  size(round: number): number {
    return roundSize(this.options.maxEpochs, this.options.factor, this.slot.bracket, round);
  }

  /**
   * How many trials a round gets: its planned size, shrunk in proportion when the round before
   * it could not be filled (a small space) so that every round still halves.
   */
  target(round: number): number {
    if (round === 0) return this.exhausted ? Math.min(this.size(0), this.rounds[0]!.length) : this.size(0);
    return Math.min(this.size(round), Math.ceil(this.target(round - 1) / this.options.factor));
  }

  complete(): boolean {
    const last = this.slot.bracket;
    return this.rounds[last]!.length >= this.target(last);
  }

  /** Complete trials of `round` not yet promoted into the next round. */
  candidates(round: number): PastTrial[] {
    const promoted = new Set(this.rounds[round + 1]?.map((t) => t.schedule!.parent));
    return this.rounds[round]!.filter((t) => t.status === 'complete' && !promoted.has(t.number));
  }

  /**
   * The best candidate of the round before `round`, once more of them are ready than the round
   * throws away (KerasTuner's rule; trials that failed count as thrown away already).
   */
  promotion(round: number, direction: 'max' | 'min'): PastTrial | undefined {
    if (this.rounds[round]!.length >= this.target(round)) return undefined;
    const before = this.rounds[round - 1]!;
    const lost = before.filter((t) => LOST.has(t.status)).length;
    const candidates = this.candidates(round - 1);
    if (candidates.length <= this.target(round - 1) - this.target(round) - lost) return undefined;
    return Direction.best(direction, candidates, (t) => t.score!);
  }
}

/**
 * Hyperband (Li et al.) as KerasTuner runs it: brackets from the most aggressive down, each a
 * successive halving that starts many fresh trials for few epochs and promotes the best to
 * train on. A promoted trial is a new trial with its parent's values that continues from the
 * parent's checkpoint. All its state lives in the trials' schedules, so a resumed study picks
 * up its brackets where they were.
 */
export class HyperbandOracle implements Oracle {
  readonly name = 'hyperband';
  readonly endReason = 'search-complete' as const;
  private readonly enumerated: ReturnType<typeof lazyEnumeration>;
  private readonly slots: Slot[] = [];

  constructor(
    private readonly space: Space,
    private readonly rng: Rng,
    private readonly direction: 'max' | 'min',
    private readonly options: HyperbandOptions,
  ) {
    this.enumerated = lazyEnumeration(space);
    const brackets = bracketCount(options.maxEpochs, options.factor);
    for (let iteration = 0; iteration < options.iterations; iteration++) {
      for (let bracket = brackets - 1; bracket >= 0; bracket--) this.slots.push({ iteration, bracket });
    }
  }

  propose(context: ProposalContext): Proposal | 'wait' | undefined {
    const running = context.trials.some((t) => t.status === 'running') || context.pending.length > 0;
    const fresh = untriedSample(this.space, this.rng, context.tried, this.enumerated);
    const brackets = this.brackets(context.trials, fresh === undefined);
    for (const state of brackets) {
      if (state.complete()) continue;
      const { iteration, bracket } = state.slot;
      if (state.rounds[0]!.length < state.target(0) && fresh) {
        return { values: fresh, schedule: { iteration, bracket, round: 0, initialEpoch: 0, epochs: this.epochs(bracket, 0) } };
      }
      for (let round = 1; round <= bracket; round++) {
        const parent = state.promotion(round, this.direction);
        if (parent) {
          const schedule: Schedule = {
            iteration,
            bracket,
            round,
            initialEpoch: this.epochs(bracket, round - 1),
            epochs: this.epochs(bracket, round),
            parent: parent.number,
          };
          return { values: Object.assign(emptyValues(), parent.values), schedule };
        }
      }
    }
    // Nothing in the open brackets can run now: open the next one, as KerasTuner does.
    const opened = brackets.length === 0 ? -1 : this.slots.indexOf(brackets[brackets.length - 1]!.slot);
    const next = this.slots[opened + 1];
    if (next && fresh) {
      return { values: fresh, schedule: { ...next, round: 0, initialEpoch: 0, epochs: this.epochs(next.bracket, 0) } };
    }
    return running ? 'wait' : undefined;
  }

  /** Its brackets' trials, within max_trials, each trained up to max_epochs at most. */
  plan(limits: { maxTrials: number }): { maxTrials: number; epochs: number } {
    return { maxTrials: Math.min(limits.maxTrials, plannedTrials(this.options)), epochs: this.options.maxEpochs };
  }

  /** A trial before the last round of its bracket may be promoted: the promoted trial continues from its state. */
  wantsCheckpoint(schedule: Schedule | null): boolean {
    return schedule !== null && schedule.round < schedule.bracket;
  }

  /** Complete trials that a promotion may still pick, and parents of trials yet to finish. */
  checkpointsNeeded(trials: PastTrial[]): number[] {
    const needed = new Set<number>();
    for (const state of this.brackets(trials, false)) {
      for (const round of state.rounds) {
        for (const t of round) if (t.schedule!.parent !== undefined && !LOST.has(t.status) && t.status !== 'complete') needed.add(t.schedule!.parent);
      }
      if (state.complete()) continue;
      for (let round = 0; round < state.slot.bracket; round++) {
        if (state.rounds[round + 1]!.length < state.target(round + 1)) state.candidates(round).forEach((t) => needed.add(t.number));
      }
    }
    return [...needed].sort((a, b) => a - b);
  }

  /** The brackets opened so far, in schedule order. */
  private brackets(trials: PastTrial[], exhausted: boolean): BracketState[] {
    return this.slots.flatMap((slot) => {
      const mine = trials.filter((t) => t.schedule?.iteration === slot.iteration && t.schedule.bracket === slot.bracket);
      return mine.length === 0 ? [] : [new BracketState(slot, mine, this.options, exhausted)];
    });
  }

  private epochs(bracket: number, round: number): number {
    return roundEpochs(this.options.maxEpochs, this.options.factor, bracket, round);
  }
}
