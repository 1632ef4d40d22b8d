import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BayesianOracle } from '../../src/oracles/bayesian.js';
import type { Observation, Oracle } from '../../src/oracles/oracle.js';
import { RandomOracle } from '../../src/oracles/random.js';
import { TpeOracle } from '../../src/oracles/tpe.js';
import { Rng } from '../../src/random/rng.js';
import type { Values } from '../../src/space/hyperparameter.js';
import { Space } from '../../src/space/space.js';

/** 21 x 21 x 3 = 1323 value sets; the optimum (0 at x 0.7, y 0.2, kind b) and its 4 grid neighbours count as found. */
const space = new Space([
  { name: 'x', type: 'float', min: 0, max: 1, step: 0.05, sampling: 'linear' },
  { name: 'y', type: 'float', min: 0, max: 1, step: 0.05, sampling: 'linear' },
  { name: 'kind', type: 'choice', values: ['a', 'b', 'c'] },
]);
const objective = (v: Values): number => -(((v['x'] as number) - 0.7) ** 2) - ((v['y'] as number) - 0.2) ** 2 - (v['kind'] === 'b' ? 0 : 0.1);
const FOUND = -0.003;
const CAP = 100;
const SEEDS = 20;

/** Trials an oracle needs to find the optimum (CAP when it does not). */
function trialsToFind(oracle: Oracle): number {
  const completed: Observation[] = [];
  const tried = new Set<string>();
  for (let t = 1; t <= CAP; t++) {
    const proposal = oracle.propose({ completed, pending: [], tried, trials: [] });
    assert.ok(proposal !== undefined && proposal !== 'wait', `a proposal at trial ${t}`);
    const { values } = proposal;
    tried.add(space.key(values));
    const score = objective(values);
    if (score >= FOUND) return t;
    completed.push({ values, score });
  }
  return CAP;
}

const mean = (make: (rng: Rng) => Oracle): number => {
  let sum = 0;
  for (let seed = 0; seed < SEEDS; seed++) sum += trialsToFind(make(new Rng(seed)));
  return sum / SEEDS;
};

describe('search works: a known optimum, averaged over 20 seeds', () => {
  const random = mean((rng) => new RandomOracle(space, rng));

  it('bayesian finds it in fewer trials than random', () => {
    const bayes = mean((rng) => new BayesianOracle(space, rng, 'max'));
    console.log(`trials to the optimum: random ${random}, bayesian ${bayes}`);
    assert.ok(bayes < random, `bayesian ${bayes} vs random ${random}`);
  });

  it('tpe finds it in fewer trials than random', () => {
    const tpe = mean((rng) => new TpeOracle(space, rng, 'max'));
    console.log(`trials to the optimum: random ${random}, tpe ${tpe}`);
    assert.ok(tpe < random, `tpe ${tpe} vs random ${random}`);
  });
});
