import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makePruner } from '../../src/pruners/make-pruner.js';
import { interpolated } from '../../src/pruners/percentile.js';
import { defaultPruner, type PercentileSettings } from '../../src/pruners/pruner.js';
import { ask, complete, FIVE, pruned, running } from './curves.js';

const median = (o: Partial<PercentileSettings> = {}) => makePruner({ kind: 'median', ...(defaultPruner('median') as PercentileSettings), ...o });
const percentile = (p: number, o: Partial<PercentileSettings> = {}) =>
  makePruner({ ...(defaultPruner('percentile') as PercentileSettings), kind: 'percentile', percentile: p, ...o });

// Hand-worked on FIVE: at epoch 1 the complete trials read 0.3 0.4 0.5 0.6 0.7, at epoch 2 0.4 ... 0.8.
describe("median pruner (Optuna's MedianPruner rule)", () => {
  it('prunes a trial whose best so far is below the median of the complete trials at that epoch (0.5 at epoch 1)', () => {
    assert.equal(median().prune(ask([0.45], FIVE)), true);
    assert.equal(median().prune(ask([0.5], FIVE)), false, 'level with the median goes on');
    assert.equal(median().prune(ask([0.55], FIVE)), false);
  });

  it('judges the best value so far, not the last one: 0.65 then 0.3 is not below 0.6 at epoch 2', () => {
    assert.equal(median().prune(ask([0.65, 0.3], FIVE)), false);
    assert.equal(median().prune(ask([0.55, 0.3], FIVE)), true);
  });

  it('prunes nothing before n_startup_trials (5) trials are complete', () => {
    assert.equal(median().prune(ask([0.01], FIVE.slice(0, 4))), false);
    assert.equal(median({ nStartupTrials: 4 }).prune(ask([0.01], FIVE.slice(0, 4))), true);
  });

  it('counts only complete trials: running and pruned ones are neither startup trials nor in the median', () => {
    const others = [...FIVE.slice(0, 4), running(6, [0.9]), pruned(7, [0.95])];
    assert.equal(median().prune(ask([0.01], others)), false, 'four complete trials are fewer than five');
    // Complete at epoch 1: 0.3 0.4 0.5 0.6 0.7 -> 0.5; with the pruned 0.95 and 0.9 it would be 0.6.
    assert.equal(median().prune(ask([0.55], [...FIVE, running(6, [0.9]), pruned(7, [0.95])])), false);
  });

  it('never prunes in the n_warmup_steps first epochs', () => {
    assert.equal(median({ nWarmupSteps: 1 }).prune(ask([0.01], FIVE)), false);
    assert.equal(median({ nWarmupSteps: 1 }).prune(ask([0.01, 0.01], FIVE)), true);
  });

  it('judges only the first epoch of each interval after the warm-up', () => {
    const judged = (o: Partial<PercentileSettings>) =>
      [1, 2, 3, 4].filter((e) =>
        median(o).prune(
          ask(
            Array.from({ length: e }, () => 0.01),
            FIVE,
          ),
        ),
      );
    assert.deepEqual(judged({ intervalSteps: 2 }), [1, 3]);
    assert.deepEqual(judged({ intervalSteps: 2, nWarmupSteps: 1 }), [2, 4]);
    assert.deepEqual(judged({ intervalSteps: 3 }), [1, 4]);
  });

  it('needs n_min_trials complete trials with a value at the epoch', () => {
    const short = [...FIVE.slice(0, 3), complete(4, [0.3]), complete(5, [0.7])];
    assert.equal(median({ nMinTrials: 4 }).prune(ask([0.01, 0.01, 0.01], short)), false, 'three values at epoch 3');
    assert.equal(median({ nMinTrials: 3 }).prune(ask([0.01, 0.01, 0.01], short)), true);
  });

  it('turns around for a loss: a trial above the median loss is pruned', () => {
    const losses = FIVE.map((t) => ({ ...t, values: t.values.map((v) => 1 - v) }));
    assert.equal(median().prune(ask([0.55], losses, 'min')), true);
    assert.equal(median().prune(ask([0.5], losses, 'min')), false);
  });

  it('prunes a trial whose value is not a number', () => {
    assert.equal(median().prune(ask([NaN], FIVE)), true);
  });
});

describe('percentile pruner', () => {
  it("keeps the best `percentile` per cent (Optuna's reading): 25 when maximising cuts at the 75th percentile, 0.6 at epoch 1", () => {
    assert.equal(percentile(25, { nStartupTrials: 5 }).prune(ask([0.55], FIVE)), true);
    assert.equal(percentile(25, { nStartupTrials: 5 }).prune(ask([0.6], FIVE)), false);
    assert.equal(percentile(75).prune(ask([0.4], FIVE)), false, '75 cuts at the 25th percentile, 0.4');
    assert.equal(percentile(75).prune(ask([0.39], FIVE)), true);
  });

  it('cuts at the 25th percentile when minimising with 25', () => {
    const losses = FIVE.map((t) => ({ ...t, values: t.values.map((v) => 1 - v) }));
    // Losses at epoch 1: 0.3 0.4 0.5 0.6 0.7 -> the 25th percentile is 0.4.
    assert.equal(percentile(25).prune(ask([0.45], losses, 'min')), true);
    assert.equal(percentile(25).prune(ask([0.4], losses, 'min')), false);
  });

  it("interpolates between ranks as numpy's percentile does", () => {
    assert.equal(interpolated([0.3, 0.4, 0.5, 0.6], 75), 0.525);
    assert.equal(interpolated([5, 1, 3], 50), 3);
    assert.equal(interpolated([1, 2], 0), 1);
    assert.equal(interpolated([1, 2], 100), 2);
  });
});
