import { Rng } from '../random/rng.js';
import type { Space } from '../space/space.js';
import type { OracleName } from '../space/study-spec.js';
import { BayesianOracle } from './bayesian.js';
import type { Oracle } from './oracle.js';
import { RandomOracle } from './random.js';

/** The oracle a study names, seeded so that a sequential run repeats itself. */
export function makeOracle(name: OracleName, space: Space, seed: number, direction: 'max' | 'min'): Oracle {
  const rng = new Rng(seed);
  return name === 'random' ? new RandomOracle(space, rng) : new BayesianOracle(space, rng, direction);
}
