import type { Rng } from '../random/rng.js';
import { fromUnit, toUnit } from '../space/encoding.js';
import type { Hyperparameter, Value, Values } from '../space/hyperparameter.js';
import type { Space } from '../space/space.js';
import { asProposal, type Oracle, type Proposal, type ProposalContext } from './oracle.js';
import { EncodingCache } from './encodings.js';
import { CategoricalParzen, NumericParzen } from './parzen.js';
import { lazyEnumeration, untriedSample } from './random.js';
import { evenSubset } from './subset.js';
import { Direction } from '../domain/direction.js';

/** Defaults of the TPE oracle (Optuna's). */
export const TPE_DEFAULTS = {
  /** Random trials before the estimators are used. */
  startupTrials: 10,
  /** Candidates drawn from the good trials' estimator per proposal. */
  candidates: 24,
  priorWeight: 1,
  /** Bad trials the bad estimator is fitted on, at most (see evenSubset). */
  badLimit: 1000,
};

/** Optuna's split: the best min(ceil(0.1 n), 25) trials are "good". */
export function goodCount(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

type Estimator = { sample(rng: Rng): number; logPdf(x: number): number };

/**
 * The tree-structured Parzen estimator (Optuna's independent sampler): each hyperparameter's
 * good and bad densities are fitted on the past trials where it was active; candidates are
 * drawn from the good ones, hyperparameter by hyperparameter along the conditions, and the one
 * with the highest log l(x) - log g(x) summed over its active hyperparameters wins. Running
 * trials count as bad ("constant liar"), so parallel workers are pushed apart. Strings and
 * booleans are categorical; numbers are modelled at their encoded position in [0, 1).
 */
export class TpeOracle implements Oracle {
  readonly name = 'tpe';
  readonly endReason = 'space-exhausted' as const;
  private readonly enumerated: () => Values[] | undefined;
  private readonly encodings: EncodingCache;

  constructor(
    private readonly space: Space,
    private readonly rng: Rng,
    private readonly direction: 'max' | 'min',
    private readonly options = TPE_DEFAULTS,
  ) {
    this.enumerated = lazyEnumeration(space);
    this.encodings = new EncodingCache(space);
  }

  propose(context: ProposalContext): Proposal | undefined {
    return asProposal(this.next(context));
  }

  private next(context: ProposalContext): Values | undefined {
    if (context.completed.length < this.options.startupTrials) return untriedSample(this.space, this.rng, context.tried, this.enumerated);
    const order = Direction.order(this.direction);
    const sorted = [...context.completed].sort((a, b) => order(a.score, b.score));
    const n = goodCount(sorted.length);
    const good = sorted.slice(0, n).map((o) => o.values);
    // A bounded cost per proposal: past badLimit bad trials, an even spread of them by score
    // stands for them all (its density is theirs, its kernels are hardly wider).
    const bad = [...evenSubset(sorted.slice(n), this.options.badLimit).map((o) => o.values), ...context.pending];
    // By declaration index: one name may be declared under conditions that exclude each other.
    const models: { l: Estimator; g: Estimator; categorical: boolean }[] = [];
    this.space.hyperparameters.forEach((hp, index) => {
      const categorical = isCategorical(hp);
      const fit = (set: Values[]): Estimator => {
        const seen = set.filter((v) => hp.name in v && this.space.isActive(hp, v));
        return categorical
          ? new CategoricalParzen(
              seen.map((v) => categoryOf(hp, v[hp.name]!)),
              categoryCount(hp),
              this.options.priorWeight,
            )
          : new NumericParzen(
              seen.map((v) => this.encodings.point(v)[index]!),
              this.options.priorWeight,
            );
      };
      models.push({ l: fit(good), g: fit(bad), categorical });
    });
    let best: Values | undefined;
    let bestScore = -Infinity;
    for (let c = 0; c < this.options.candidates; c++) {
      const values: Values = {};
      let score = 0;
      for (const [i, hp] of this.space.hyperparameters.entries()) {
        if (!this.space.isActive(hp, values)) continue;
        const m = models[i]!;
        const x = m.l.sample(this.rng);
        const value = m.categorical ? valueOf(hp, x) : fromUnit(hp, x);
        values[hp.name] = value;
        const at = m.categorical ? x : toUnit(hp, value);
        score += m.l.logPdf(at) - m.g.logPdf(at);
      }
      if (score > bestScore && !context.tried.has(this.space.key(values))) [best, bestScore] = [values, score];
    }
    return best ?? untriedSample(this.space, this.rng, context.tried, this.enumerated);
  }
}

function isCategorical(hp: Hyperparameter): boolean {
  return hp.type === 'boolean' || hp.type === 'fixed' || (hp.type === 'choice' && (typeof hp.values[0] !== 'number' || hp.ordered === false));
}

function categoryCount(hp: Hyperparameter): number {
  return hp.type === 'choice' ? hp.values.length : hp.type === 'boolean' ? 2 : 1;
}

function categoryOf(hp: Hyperparameter, value: Value): number {
  if (hp.type === 'choice') return Math.max(0, hp.values.indexOf(value));
  if (hp.type === 'boolean') return value === true ? 1 : 0;
  return 0;
}

function valueOf(hp: Hyperparameter, category: number): Value {
  if (hp.type === 'choice') return hp.values[category]!;
  if (hp.type === 'boolean') return category === 1;
  return (hp as { value: Value }).value;
}
