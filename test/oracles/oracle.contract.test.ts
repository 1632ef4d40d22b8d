import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BayesianOracle } from '../../src/oracles/bayesian.js';
import { GridOracle, gridValues } from '../../src/oracles/grid.js';
import { HyperbandOracle } from '../../src/oracles/hyperband.js';
import type { Observation, Oracle, PastTrial, Proposal } from '../../src/oracles/oracle.js';
import { RandomOracle } from '../../src/oracles/random.js';
import { TPE_DEFAULTS, TpeOracle } from '../../src/oracles/tpe.js';
import { Rng } from '../../src/random/rng.js';
import type { Values } from '../../src/space/hyperparameter.js';
import { parseSpace } from '../../src/space/parse-space.js';
import type { Space } from '../../src/space/space.js';
import { tinySpace } from '../helpers/tiny-study.js';

const space: Space = parseSpace(tinySpace('/data'), 'tiny.json').space;

/** A made-up objective with one best region: first_dense 8 with the extra layer, low dropout. */
function objective(v: Values): number {
  const base = v['first_dense'] === 8 ? 0.8 : v['first_dense'] === 4 ? 0.6 : 0.5;
  const extra = v['extra_dense_layer'] === true ? 0.05 + (v['extra_dense'] === 4 ? 0.05 : 0) : 0;
  return base + extra - ((v['dropout_rate'] as number) - 0.1) * 0.2;
}

const oracles: { name: string; make: (seed: number) => Oracle; seeded: boolean }[] = [
  { name: 'random', make: (seed) => new RandomOracle(space, new Rng(seed)), seeded: true },
  { name: 'grid', make: () => new GridOracle(space), seeded: false },
  { name: 'bayesian', make: (seed) => new BayesianOracle(space, new Rng(seed), 'max'), seeded: true },
  { name: 'tpe', make: (seed) => new TpeOracle(space, new Rng(seed), 'max', { ...TPE_DEFAULTS, startupTrials: 4 }), seeded: true },
  // 30 planned trials (18 fresh), more than the 15 value sets, so the space runs out first.
  { name: 'hyperband', make: (seed) => new HyperbandOracle(space, new Rng(seed), 'max', { maxEpochs: 10, factor: 3, iterations: 1 }), seeded: true },
];

/** Proposals with new values: all of them, except Hyperband's promotions. */
const fresh = (proposals: Proposal[]): Values[] => proposals.filter((p) => p.schedule?.parent === undefined).map((p) => p.values);

/**
 * Runs an oracle as a study would, for up to n trials with `parallel` running at each ask (the
 * oldest finishes first); `fails` says which trial numbers fail. Returns every proposal, in order.
 */
function drive(oracle: Oracle, n: number, parallel = 1, fails: (number: number) => boolean = () => false) {
  const completed: Observation[] = [];
  const trials: PastTrial[] = [];
  const running: PastTrial[] = [];
  const proposals: Proposal[] = [];
  const tried = new Set<string>();
  const finishOldest = (): void => {
    const done = running.shift()!;
    const failed = fails(done.number);
    done.status = failed ? 'failed' : 'complete';
    if (failed) return;
    done.score = objective(done.values) + (done.schedule ? done.schedule.epochs / 1000 : 0);
    completed.push({ values: done.values, score: done.score });
  };
  while (proposals.length < n) {
    if (running.length >= parallel) finishOldest();
    const proposal = oracle.propose({ completed, pending: running.map((t) => t.values), tried, trials: trials.map((t) => ({ ...t })) });
    if (proposal === undefined) break;
    if (proposal === 'wait') {
      assert.ok(running.length > 0, 'an oracle waits only while trials run');
      finishOldest();
      continue;
    }
    tried.add(space.key(proposal.values));
    const trial: PastTrial = { number: trials.length + 1, values: proposal.values, status: 'running', score: null, schedule: proposal.schedule ?? null };
    trials.push(trial);
    running.push(trial);
    proposals.push(proposal);
  }
  while (running.length > 0) finishOldest();
  return { values: proposals.map((p) => p.values), proposals, completed, trials };
}

for (const { name, make, seeded } of oracles) {
  describe(`Oracle contract: ${name}`, () => {
    it('proposes values of the space, with exactly the active hyperparameters', () => {
      for (const v of drive(make(1), 12, 2).values) {
        assert.ok([2, 4, 8].includes(v['first_dense'] as number));
        assert.ok([0.1, 0.2, 0.3].includes(v['dropout_rate'] as number));
        assert.equal('extra_dense_layer' in v, v['first_dense'] === 8);
        assert.equal('extra_dense' in v, v['extra_dense_layer'] === true);
      }
    });

    it('never proposes new values twice, even with trials pending in parallel', () => {
      const values = fresh(drive(make(2), 15, 3).proposals);
      assert.equal(new Set(values.map((v) => space.key(v))).size, values.length);
    });

    it('says the search is over once every values set was tried', () => {
      const total = space.cardinality();
      assert.equal(total, 15);
      const values = fresh(drive(make(3), 100, 2).proposals);
      assert.equal(values.length, total);
    });

    it('repeats itself for a seed', () => {
      assert.deepEqual(drive(make(4), 10).values, drive(make(4), 10).values);
      if (seeded) assert.notDeepEqual(drive(make(4), 10).values, drive(make(5), 10).values);
    });
  });
}

describe('BayesianOracle', () => {
  it('starts with 3 x dimensions random trials, then follows the model to the best region', () => {
    const wins = [0, 0];
    for (let seed = 0; seed < 20; seed++) {
      const bayes = drive(new BayesianOracle(space, new Rng(seed), 'max'), 14).completed;
      const random = drive(new RandomOracle(space, new Rng(seed)), 14).completed;
      const best = (obs: Observation[]): number => Math.max(...obs.map((o) => o.score));
      if (best(bayes) > best(random)) wins[0]!++;
      else if (best(random) > best(bayes)) wins[1]!++;
    }
    assert.ok(wins[0]! > wins[1]!, `bayesian found the best value more often than random: ${wins}`);
  });

  it('minimises when the direction is min', () => {
    const low = drive(new BayesianOracle(space, new Rng(9), 'min'), 14).completed;
    const high = drive(new BayesianOracle(space, new Rng(9), 'max'), 14).completed;
    const mean = (o: Observation[]): number => o.slice(12).reduce((s, x) => s + x.score, 0) / 2;
    assert.ok(mean(low) < mean(high), `late proposals follow the direction: ${mean(low)} vs ${mean(high)}`);
  });
});

describe('GridOracle', () => {
  it('starts with the defaults, then turns the last hyperparameter fastest', () => {
    const { values } = drive(new GridOracle(space), 4);
    assert.deepEqual(values, [
      { first_dense: 2, dropout_rate: 0.1 },
      { first_dense: 2, dropout_rate: 0.2 },
      { first_dense: 2, dropout_rate: 0.3 },
      { first_dense: 4, dropout_rate: 0.1 },
    ]);
  });

  it('has one point per distinct value set, and the default plus 10 bucket centres for a float without step', () => {
    assert.equal(new GridOracle(space).size(), space.cardinality());
    const float = gridValues({ name: 'lr', type: 'float', min: 1e-4, max: 1e-1, sampling: 'log' }) as number[];
    assert.equal(float.length, 11);
    assert.ok(Math.abs(float[0]! - 1e-4) < 1e-12, 'the default (min) first');
    assert.ok(Math.abs(float[1]! - 1e-4 * 1000 ** 0.05) < 1e-12 && Math.abs(float[10]! - 1e-4 * 1000 ** 0.95) < 1e-12);
    assert.ok(Math.abs(float[2]! / float[1]! - float[10]! / float[9]!) < 1e-9, 'log spacing: a constant ratio');
  });
});

describe('GridOracle on large spaces', () => {
  it('walks a grid of 10,000 hyperparameters lazily, without overflowing the stack', () => {
    const wide = tinySpace('/data');
    wide['hyperparameters'] = Array.from({ length: 10_000 }, (_, i) => ({ name: `h${i}`, type: 'choice', values: [2, 4, 8] }));
    wide['model'] = [
      { dense: '$h0', activation: 'relu' },
      { dense: '$h9999', activation: 'relu' },
      { dense: 1, activation: 'sigmoid' },
    ];
    const big = parseSpace(wide, 'wide.json').space;
    const grid = new GridOracle(big);
    const tried = new Set<string>();
    const seen: Values[] = [];
    for (let k = 0; k < 4; k++) {
      const p = grid.propose({ completed: [], pending: [], tried, trials: [] });
      assert.ok(p !== undefined);
      tried.add(big.key(p.values));
      seen.push(p.values);
    }
    const changed = (v: Values) => Object.entries(v).filter(([name, x]) => x !== 2 || !name.startsWith('h'));
    // The defaults, then the odometer: the all-first combination equals them, so the last wheel turns.
    assert.deepEqual(changed(seen[0]!), []);
    assert.deepEqual(changed(seen[1]!), [['h9999', 4]]);
    assert.deepEqual(changed(seen[2]!), [['h9999', 8]]);
    assert.deepEqual(changed(seen[3]!), [['h9998', 4]]);
  });

  it('offers a point again when the one it gave was never tried', () => {
    const grid = new GridOracle(space);
    const tried = new Set<string>();
    const first = grid.propose({ completed: [], pending: [], tried, trials: [] });
    const again = grid.propose({ completed: [], pending: [], tried, trials: [] });
    assert.deepEqual(again, first);
  });
});
