import type { Rng } from '../random/rng.js';
import type { Values } from '../space/hyperparameter.js';
import type { Space } from '../space/space.js';
import { EncodingCache } from './encodings.js';
import { GaussianProcess } from './gp.js';
import { asProposal, type Oracle, type Proposal, type ProposalContext } from './oracle.js';
import { lazyEnumeration, untriedSample } from './random.js';
import { MODEL_LIMIT, modelSubset } from './subset.js';
import { Direction } from '../domain/direction.js';

/** Defaults of the Bayesian oracle (KerasTuner's). */
export const BAYESIAN_DEFAULTS = {
  /** Exploration weight of the upper confidence bound. */
  beta: 2.6,
  /** Noise added to the kernel's diagonal. */
  alpha: 1e-4,
  /** Random trials before the model is used, per hyperparameter. */
  initialPointsPerDimension: 3,
  /** Random starts of the acquisition search in spaces too large to enumerate. */
  randomStarts: 1000,
  /** Of those, how many are refined by local search. */
  refined: 10,
  /** Observations the Gaussian process is fitted on, at most (see modelSubset). */
  modelLimit: MODEL_LIMIT,
  /** Untried value sets of an enumerated space scored per proposal, at most (a seeded draw past it). */
  scoredLimit: 2500,
  /** Running trials it believes at their predicted scores, at most (the latest ones). */
  pendingLimit: 32,
};

/**
 * Bayesian optimisation: a Gaussian process over the encoded space, proposals maximising the
 * upper confidence bound mean + beta * std (scores negated when the objective is minimised).
 * Running trials count as observations at the model's own prediction ("kriging believer"),
 * so parallel workers are pushed apart. Past MODEL_LIMIT trials the process is fitted on a
 * bounded, deterministic subset of them (modelSubset), so a proposal costs the same at 1,000
 * trials as at 200. Small spaces are scored over every untried values set
 * (a seeded draw of scoredLimit of them when more are left); larger ones from many random starts refined by local moves.
 */
export class BayesianOracle implements Oracle {
  readonly name = 'bayesian';
  readonly endReason = 'space-exhausted' as const;
  private readonly enumerated: () => Values[] | undefined;
  private readonly encodings: EncodingCache;
  private listing: { values: Values[]; keys: string[]; points: number[][] } | undefined | null = null;

  constructor(
    private readonly space: Space,
    private readonly rng: Rng,
    private readonly direction: 'max' | 'min',
    private readonly options = BAYESIAN_DEFAULTS,
  ) {
    this.enumerated = lazyEnumeration(space);
    this.encodings = new EncodingCache(space);
  }

  /** A small space's value sets with their keys and points, worked out once: every proposal scores them. */
  private listed(): { values: Values[]; keys: string[]; points: number[][] } | undefined {
    if (this.listing === null) {
      const all = this.enumerated();
      this.listing = all && { values: all, keys: all.map((v) => this.space.key(v)), points: all.map((v) => this.space.encode(v)) };
    }
    return this.listing;
  }

  propose(context: ProposalContext): Proposal | undefined {
    return asProposal(this.next(context));
  }

  private next(context: ProposalContext): Values | undefined {
    const initial = this.options.initialPointsPerDimension * this.space.dimensions;
    if (context.completed.length < Math.max(1, initial) - context.pending.length || context.completed.length === 0) {
      return untriedSample(this.space, this.rng, context.tried, this.enumerated);
    }
    const sign = Direction.sign(this.direction);
    const x = context.completed.map((o) => this.encodings.point(o.values));
    const y = context.completed.map((o) => sign * o.score);
    // The whole study's mean and spread, so that regions left out of the subset are predicted
    // at the study's average rather than at its best trials'.
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    const normalisation = { mean, std: Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length) };
    const subset = modelSubset(x, y, this.options.modelLimit);
    const xs = subset.map((i) => x[i]!);
    const ys = subset.map((i) => y[i]!);
    const gp = new GaussianProcess(this.options.alpha);
    gp.fit(xs, ys, normalisation);
    if (context.pending.length > 0) {
      const believed = context.pending.slice(-this.options.pendingLimit).map((values) => this.space.encode(values));
      gp.fit([...xs, ...believed], [...ys, ...believed.map((point) => gp.predict(point).mean)], normalisation);
    }
    const ucb = (point: number[]): number => {
      const p = gp.predict(point);
      return p.mean + this.options.beta * p.std;
    };
    return this.best(ucb, context.tried);
  }

  private best(ucb: (point: number[]) => number, tried: Set<string>): Values | undefined {
    const listed = this.listed();
    if (listed) {
      const untried: number[] = [];
      for (let i = 0; i < listed.values.length; i++) if (!tried.has(listed.keys[i]!)) untried.push(i);
      // A bounded cost: past scoredLimit untried sets, a seeded draw of that many is scored.
      if (untried.length > this.options.scoredLimit) {
        for (let k = 0; k < this.options.scoredLimit; k++) {
          const j = k + this.rng.int(untried.length - k);
          [untried[k], untried[j]] = [untried[j]!, untried[k]!];
        }
        untried.length = this.options.scoredLimit;
        untried.sort((a, b) => a - b);
      }
      let best: Values | undefined;
      let bestValue = -Infinity;
      for (const i of untried) {
        const value = ucb(listed.points[i]!);
        if (value > bestValue) [best, bestValue] = [listed.values[i]!, value];
      }
      return best;
    }
    const starts = Array.from({ length: this.options.randomStarts }, () => this.space.encode(this.space.sample(this.rng)))
      .map((point) => ({ point, value: ucb(point) }))
      .sort((a, b) => b.value - a.value)
      .map((s) => s.point);
    let best: Values | undefined;
    let bestValue = -Infinity;
    for (const start of starts.slice(0, this.options.refined)) {
      const [point, value] = this.climb(start, ucb);
      const values = this.space.decode(point);
      if (value > bestValue && !tried.has(this.space.key(values))) [best, bestValue] = [values, value];
    }
    return best ?? untriedSample(this.space, this.rng, tried, () => undefined);
  }

  /** Hill-climbing with shrinking Gaussian-like moves, kept on the decoded grid. */
  private climb(start: number[], ucb: (point: number[]) => number): [number[], number] {
    let point = start;
    let value = ucb(point);
    for (let scale = 0.2; scale > 0.005; scale /= 2) {
      for (let move = 0; move < 20; move++) {
        const candidate = this.space.encode(this.space.decode(point.map((v) => Math.min(1, Math.max(0, v + (this.rng.next() * 2 - 1) * scale)))));
        const candidateValue = ucb(candidate);
        if (candidateValue > value) [point, value] = [candidate, candidateValue];
      }
    }
    return [point, value];
  }
}
