import { Rng } from '../random/rng.js';
import type { Space } from '../space/space.js';
import type { OracleName } from '../space/study-spec.js';
import { BayesianOracle } from './bayesian.js';
import { GridOracle } from './grid.js';
import type { Oracle } from './oracle.js';
import { RandomOracle } from './random.js';
import { TpeOracle } from './tpe.js';

/** The oracle a study names, seeded so that a sequential run repeats itself. */
export function makeOracle(name: OracleName, space: Space, seed: number, direction: 'max' | 'min'): Oracle {
  const rng = new Rng(seed);
  switch (name) {
    case 'random':
      return new RandomOracle(space, rng);
    case 'grid':
      return new GridOracle(space);
    case 'bayesian':
      return new BayesianOracle(space, rng, direction);
    case 'tpe':
      return new TpeOracle(space, rng, direction);
  }
}
