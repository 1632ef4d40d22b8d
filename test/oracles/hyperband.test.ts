import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bracketCount, HyperbandOracle, plannedTrials, roundEpochs, roundSize, type HyperbandOptions } from '../../src/oracles/hyperband.js';
import type { PastTrial } from '../../src/oracles/oracle.js';
import { Rng } from '../../src/random/rng.js';
import type { Values } from '../../src/space/hyperparameter.js';
import { Space } from '../../src/space/space.js';

/** 1323 value sets: more than any plan below needs, so only the brackets end a run. */
const space = new Space([
  { name: 'x', type: 'float', min: 0, max: 1, step: 0.05, sampling: 'linear' },
  { name: 'y', type: 'float', min: 0, max: 1, step: 0.05, sampling: 'linear' },
  { name: 'kind', type: 'choice', values: ['a', 'b', 'c'] },
]);
/** Higher for x near 0.7, and for longer training, as a real learning curve would be. */
const score = (v: Values, epochs: number): number => -(((v['x'] as number) - 0.7) ** 2) + epochs / 100;
const TEN: HyperbandOptions = { maxEpochs: 10, factor: 3, iterations: 1 };

/** A study of `parallel` workers run to the end; trials numbered in `fails` fail. */
function run(options: HyperbandOptions, parallel: number, fails: Set<number> = new Set(), seed = 1): PastTrial[] {
  const oracle = new HyperbandOracle(space, new Rng(seed), 'max', options);
  const trials: PastTrial[] = [];
  const running: PastTrial[] = [];
  const finish = (): void => {
    const t = running.shift()!;
    t.status = fails.has(t.number) ? 'failed' : 'complete';
    if (t.status === 'complete') t.score = score(t.values, t.schedule!.epochs);
  };
  for (let asks = 0; asks < 10_000; asks++) {
    if (running.length >= parallel) finish();
    const completed = trials.filter((t) => t.status === 'complete').map((t) => ({ values: t.values, score: t.score! }));
    const tried = new Set(trials.map((t) => space.key(t.values)));
    const proposal = oracle.propose({ completed, pending: running.map((t) => t.values), tried, trials: trials.map((t) => ({ ...t })) });
    if (proposal === undefined) return trials;
    if (proposal === 'wait') {
      assert.ok(running.length > 0, 'waits only while trials run');
      finish();
      continue;
    }
    const trial: PastTrial = { number: trials.length + 1, values: proposal.values, status: 'running', score: null, schedule: proposal.schedule! };
    trials.push(trial);
    running.push(trial);
  }
  throw new Error('the search never ended');
}

/** Trials per round of each bracket, brackets keyed `iteration/bracket`. */
function shape(trials: PastTrial[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const t of trials) {
    const { iteration, bracket, round } = t.schedule!;
    const rounds = (out[`${iteration}/${bracket}`] ??= Array.from({ length: bracket + 1 }, () => 0));
    rounds[round]!++;
  }
  return out;
}

describe('Hyperband: KerasTuner bracket arithmetic', () => {
  it("plans KerasTuner's 23, 211 and 1818 trials for max_epochs 9, 81 and 729 (factor 3): exact powers of the factor", () => {
    // KerasTuner's HyperbandOracle sizes rounds with math.ceil(1 + math.log(max_epochs, factor)),
    // and Python's math.log(9, 3) is exactly 2.0; its formulas, run in Python 3.11 here, give
    // 23, 211, 1818 (and 30, 254, 90 for max_epochs 10, 100, 50).
    assert.equal(plannedTrials({ maxEpochs: 9, factor: 3, iterations: 1 }), 23);
    assert.equal(plannedTrials({ maxEpochs: 81, factor: 3, iterations: 1 }), 211);
    assert.equal(plannedTrials({ maxEpochs: 729, factor: 3, iterations: 1 }), 1818);
    assert.equal(plannedTrials({ maxEpochs: 50, factor: 3, iterations: 1 }), 90);
  });

  it('plans 30 trials for max_epochs 10 and 254 for 100 (factor 3)', () => {
    assert.equal(bracketCount(10, 3), 3);
    assert.equal(plannedTrials(TEN), 30);
    assert.equal(bracketCount(100, 3), 5);
    assert.equal(plannedTrials({ maxEpochs: 100, factor: 3, iterations: 1 }), 254);
    assert.equal(plannedTrials({ maxEpochs: 10, factor: 3, iterations: 2 }), 60);
  });

  it('sizes and epochs of each round, worked by hand', () => {
    const sizes = [0, 1, 2].map((b) => Array.from({ length: b + 1 }, (_, r) => roundSize(10, 3, b, r)));
    assert.deepEqual(sizes, [[4], [6, 2], [12, 4, 2]]);
    const epochs = [0, 1, 2].map((b) => Array.from({ length: b + 1 }, (_, r) => roundEpochs(10, 3, b, r)));
    assert.deepEqual(epochs, [[10], [4, 10], [2, 4, 10]]);
    assert.deepEqual(
      [4, 3, 2, 1, 0].map((b) => roundSize(100, 3, b, 0)),
      [98, 41, 18, 9, 6],
    );
  });
});

describe('HyperbandOracle', () => {
  for (const parallel of [1, 4]) {
    it(`runs every bracket, most aggressive first, to exactly the planned trials (${parallel} at a time)`, () => {
      const trials = run(TEN, parallel);
      assert.equal(trials.length, 30);
      assert.deepEqual(shape(trials), { '0/2': [12, 4, 2], '0/1': [6, 2], '0/0': [4] });
      if (parallel === 1) assert.deepEqual([...new Set(trials.map((t) => t.schedule!.bracket))], [2, 1, 0]);
    });
  }

  it('promotes the best of a round: same values, the parent’s epochs as its start, the next round’s as its end', () => {
    const trials = run(TEN, 1);
    const promoted = trials.filter((t) => t.schedule!.parent !== undefined);
    assert.equal(promoted.length, 4 + 2 + 2);
    for (const child of promoted) {
      const s = child.schedule!;
      const parent = trials[s.parent! - 1]!;
      assert.deepEqual(child.values, parent.values);
      assert.deepEqual([parent.schedule!.bracket, parent.schedule!.round + 1, parent.schedule!.iteration], [s.bracket, s.round, s.iteration]);
      assert.equal(s.initialEpoch, parent.schedule!.epochs);
      assert.equal(s.epochs, roundEpochs(10, 3, s.bracket, s.round));
      // Sequentially every candidate is complete when promotions start: the parent is in its round's top.
      const round = trials.filter((t) => t.schedule!.bracket === s.bracket && t.schedule!.round === s.round - 1);
      const top = round
        .map((t) => t.score!)
        .sort((a, b) => b - a)
        .slice(0, roundSize(10, 3, s.bracket, s.round));
      assert.ok(top.includes(parent.score!), `trial ${parent.number} (${parent.score}) is among the best ${top.length} of its round`);
    }
    assert.equal(new Set(promoted.map((t) => t.schedule!.parent)).size, promoted.length, 'a trial is promoted at most once');
  });

  it('runs the whole plan again for each of hyperband_iterations', () => {
    const trials = run({ ...TEN, iterations: 2 }, 2);
    assert.equal(trials.length, 60);
    assert.deepEqual(shape(trials)['1/2'], [12, 4, 2]);
  });

  it('keeps going when trials fail: failed ones drop out of their round, and the search still ends', () => {
    const trials = run(TEN, 2, new Set([1, 2, 3, 14, 20]));
    const rounds = shape(trials);
    assert.deepEqual(rounds['0/2']!.slice(0, 1), [12]);
    assert.ok(trials.length >= 25 && trials.length <= 30, `${trials.length} trials`);
    assert.ok(trials.filter((t) => t.schedule!.parent !== undefined).every((t) => ![1, 2, 3, 14, 20].includes(t.schedule!.parent!)));
  });

  it('closes round 0 early in a space smaller than the round, and still halves it', () => {
    const small = new Space([{ name: 'x', type: 'choice', values: [0.1, 0.3, 0.5, 0.7, 0.9] }]);
    const oracle = new HyperbandOracle(small, new Rng(3), 'max', TEN);
    const trials: PastTrial[] = [];
    for (;;) {
      const tried = new Set(trials.map((t) => small.key(t.values)));
      const p = oracle.propose({ completed: [], pending: [], tried, trials: trials.map((t) => ({ ...t })) });
      if (p === undefined || p === 'wait') break;
      trials.push({ number: trials.length + 1, values: p.values, status: 'complete', score: score(p.values, p.schedule!.epochs), schedule: p.schedule! });
    }
    assert.deepEqual(shape(trials), { '0/2': [5, 2, 1] });
  });

  it('needs the checkpoints of trials a promotion may still pick, and none once the plan is done', () => {
    const oracle = new HyperbandOracle(space, new Rng(1), 'max', TEN);
    const all = run(TEN, 1);
    const firstRound = all.slice(0, 12);
    assert.deepEqual(
      oracle.checkpointsNeeded(firstRound),
      firstRound.map((t) => t.number),
    );
    // Once round 1 is full, round 0's leftovers will never be picked; round 1's trials may be.
    const throughRound1 = all.slice(0, 16);
    assert.deepEqual(oracle.checkpointsNeeded(throughRound1), [13, 14, 15, 16]);
    // A running child still needs its parent's checkpoint to (re)start from.
    const running = all.slice(0, 13).map((t, i) => (i === 12 ? { ...t, status: 'running', score: null } : t));
    assert.ok(oracle.checkpointsNeeded(running).includes(all[12]!.schedule!.parent!));
    assert.deepEqual(oracle.checkpointsNeeded(all), []);
  });

  it('repeats itself for a seed, and differs between seeds', () => {
    const key = (trials: PastTrial[]) => trials.map((t) => space.key(t.values));
    assert.deepEqual(key(run(TEN, 1, new Set(), 5)), key(run(TEN, 1, new Set(), 5)));
    assert.notDeepEqual(key(run(TEN, 1, new Set(), 5)), key(run(TEN, 1, new Set(), 6)));
  });
});
