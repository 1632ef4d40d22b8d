import { Rng } from '../random/rng.js';
import type { Space } from '../space/space.js';
import type { TunerSpec } from '../space/study-spec.js';
import { BayesianOracle } from './bayesian.js';
import { GridOracle } from './grid.js';
import { HyperbandOracle } from './hyperband.js';
import type { Oracle } from './oracle.js';
import { RandomOracle } from './random.js';
import { TpeOracle } from './tpe.js';

/** The oracle a study's tuner section names, seeded so that a sequential run repeats itself. */
export function makeOracle(tuner: TunerSpec, space: Space, seed: number): Oracle {
  const rng = new Rng(seed);
  switch (tuner.oracle) {
    case 'random':
      return new RandomOracle(space, rng);
    case 'grid':
      return new GridOracle(space);
    case 'bayesian':
      return new BayesianOracle(space, rng, tuner.direction);
    case 'tpe':
      return new TpeOracle(space, rng, tuner.direction);
    case 'hyperband':
      return new HyperbandOracle(space, rng, tuner.direction, {
        maxEpochs: tuner.maxEpochs ?? tuner.epochs,
        factor: tuner.factor,
        iterations: tuner.hyperbandIterations,
      });
  }
}
