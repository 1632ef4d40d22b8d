/**
 * Ranges with more grid points than are listed (more than 100,000) are still grids: every
 * oracle must propose whole numbers for an int and points min + k step for a stepped float,
 * or each trial builds no model (issue 11, failure 4).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BayesianOracle } from '../../src/oracles/bayesian.js';
import { GridOracle } from '../../src/oracles/grid.js';
import { HyperbandOracle } from '../../src/oracles/hyperband.js';
import type { Observation, Oracle, PastTrial } from '../../src/oracles/oracle.js';
import { RandomOracle } from '../../src/oracles/random.js';
import { TPE_DEFAULTS, TpeOracle } from '../../src/oracles/tpe.js';
import { Rng } from '../../src/random/rng.js';
import type { Values } from '../../src/space/hyperparameter.js';
import { parseSpace } from '../../src/space/parse-space.js';

const space = parseSpace(
  {
    name: 'large',
    data: { train: 'a', valid: 'b', test: 'c' },
    hyperparameters: [
      { name: 'units', type: 'int', min: 1, max: 200_000 },
      { name: 'rate', type: 'float', min: 0, max: 0.9, step: 0.000001 },
      { name: 'width', type: 'float', min: 0, max: 1_000_000, step: 1 },
    ],
    model: [{ dense: '$units', activation: 'relu' }, { dropout: '$rate' }, { dense: 1, activation: 'sigmoid' }],
    compile: { loss: 'binary_crossentropy' },
  },
  'large.json',
).space;

/** A smooth objective with its best at units 150,000 and rate 0.2, so the models have a slope to follow. */
const objective = (v: Values): number => -Math.abs((v['units'] as number) / 200_000 - 0.75) - Math.abs((v['rate'] as number) - 0.2);

const oracles: { name: string; make: () => Oracle }[] = [
  { name: 'random', make: () => new RandomOracle(space, new Rng(1)) },
  { name: 'grid', make: () => new GridOracle(space) },
  { name: 'bayesian', make: () => new BayesianOracle(space, new Rng(2), 'max') },
  { name: 'tpe', make: () => new TpeOracle(space, new Rng(3), 'max', { ...TPE_DEFAULTS, startupTrials: 4 }) },
  { name: 'hyperband', make: () => new HyperbandOracle(space, new Rng(4), 'max', { maxEpochs: 9, factor: 3, iterations: 1 }) },
];

/** Asks for `n` trials one at a time, finishing each before the next ask. */
function drive(oracle: Oracle, n: number): Values[] {
  const completed: Observation[] = [];
  const trials: PastTrial[] = [];
  const tried = new Set<string>();
  const out: Values[] = [];
  while (out.length < n) {
    const proposal = oracle.propose({ completed, pending: [], tried, trials: trials.map((t) => ({ ...t })) });
    if (proposal === undefined || proposal === 'wait') break;
    const score = objective(proposal.values);
    tried.add(space.key(proposal.values));
    trials.push({ number: trials.length + 1, values: proposal.values, status: 'complete', score, schedule: proposal.schedule ?? null });
    completed.push({ values: proposal.values, score });
    out.push(proposal.values);
  }
  return out;
}

const onStep = (v: number, step: number): boolean => Math.abs(v / step - Math.round(v / step)) < 1e-6;

describe('oracles on grids too large to list', () => {
  for (const { name, make } of oracles) {
    it(`${name} proposes whole numbers for an int from 1 to 200,000 and stepped floats on their steps`, () => {
      const proposals = drive(make(), 30);
      assert.ok(proposals.length >= 10, `${proposals.length} proposals`);
      for (const v of proposals) {
        const units = v['units'] as number;
        const rate = v['rate'] as number;
        const width = v['width'] as number;
        assert.ok(Number.isInteger(units) && units >= 1 && units <= 200_000, `units ${units}`);
        assert.ok(onStep(rate, 0.000001) && rate >= 0 && rate <= 0.9, `rate ${rate}`);
        assert.ok(Number.isInteger(width) && width >= 0 && width <= 1_000_000, `width ${width}`);
      }
    });
  }
});
