import type { Rng } from '../random/rng.js';
import type { Values } from '../space/hyperparameter.js';
import type { Space } from '../space/space.js';
import { ENUMERATION_LIMIT, MAX_COLLISIONS, asProposal, type Oracle, type Proposal, type ProposalContext } from './oracle.js';

/**
 * Uniform random search without repeats: draws until it finds an untried values set; when
 * draws keep colliding in a small space, picks uniformly among the untried sets that remain.
 */
export class RandomOracle implements Oracle {
  readonly name = 'random';
  readonly endReason = 'space-exhausted' as const;
  private readonly enumerated: () => Values[] | undefined;

  constructor(
    private readonly space: Space,
    private readonly rng: Rng,
  ) {
    this.enumerated = lazyEnumeration(space);
  }

  propose(context: ProposalContext): Proposal | undefined {
    return asProposal(this.next(context));
  }

  private next(context: ProposalContext): Values | undefined {
    return untriedSample(this.space, this.rng, context.tried, this.enumerated);
  }
}

/** Every value set of a small space, listed on first use and kept (undefined for a large one). */
export function lazyEnumeration(space: Space): () => Values[] | undefined {
  let all: Values[] | undefined | null = null;
  return () => (all === null ? (all = space.enumerate(ENUMERATION_LIMIT)) : all);
}

/** A random untried values set, or undefined when none is left. Shared by every oracle. */
export function untriedSample(space: Space, rng: Rng, tried: Set<string>, enumerate: () => Values[] | undefined): Values | undefined {
  for (let i = 0; i < MAX_COLLISIONS; i++) {
    const values = space.sample(rng);
    if (!tried.has(space.key(values))) return values;
  }
  const all = enumerate();
  if (!all) return undefined;
  const left = all.filter((values) => !tried.has(space.key(values)));
  return left.length === 0 ? undefined : left[rng.int(left.length)];
}
