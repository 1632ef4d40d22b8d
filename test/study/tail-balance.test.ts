import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpace } from '../../src/space/parse-space.js';
import { holdsItsShare, PackLoad, trialCost } from '../../src/study/tail-balance.js';

const spec = parseSpace(
  {
    name: 'costs',
    data: { train: '/none/train.hdf5', valid: '/none/valid.hdf5', test: '/none/test.hdf5' },
    hyperparameters: [
      { name: 'first_dense', type: 'choice', values: [4, 64] },
      { name: 'extra', type: 'boolean' },
    ],
    model: [
      { dense: '$first_dense', activation: 'relu' },
      { dense: 8, activation: 'relu', if: 'extra' },
      { dense: 1, activation: 'sigmoid' },
    ],
    compile: { loss: 'binary_crossentropy', optimizer: 'rmsprop', metrics: ['accuracy'] },
    tuner: { oracle: 'random', objective: 'val_accuracy', max_trials: 6, epochs: 3 },
  },
  'costs.json',
);

describe('balancing the last packs of a study', () => {
  it("costs a trial by its model's weights times its epochs", () => {
    // 100 inputs: 100 x 4 + 4, then 4 x 1 + 1.
    assert.equal(trialCost(spec, { first_dense: 4, extra: false }, 100, 1), 409);
    assert.equal(trialCost(spec, { first_dense: 4, extra: false }, 100, 10), 4090);
    // The extra layer: 4 x 8 + 8, then 8 x 1 + 1 instead of 4 x 1 + 1.
    assert.equal(trialCost(spec, { first_dense: 4, extra: true }, 100, 1), 404 + 40 + 9);
    assert.ok(trialCost(spec, { first_dense: 64, extra: false }, 100, 1) > 15 * trialCost(spec, { first_dense: 4, extra: false }, 100, 1));
    assert.equal(trialCost(spec, { first_dense: 2.5, extra: false }, 100, 1), 0, 'values that build no model cost nothing');
  });

  it("stops a pack once it holds its even share of what is left, counting the busy packs' remainder", () => {
    // 6 equal trials, 2 idle slots: the first pack stops at 3.
    assert.equal(holdsItsShare({ pack: 2, left: 4, mean: 1, busy: 0, slots: 2 }), false);
    assert.equal(holdsItsShare({ pack: 3, left: 3, mean: 1, busy: 0, slots: 2 }), true);
    // A busy pack with 5 left: this slot takes more, since the other frees late.
    assert.equal(holdsItsShare({ pack: 3, left: 3, mean: 1, busy: 5, slots: 2 }), false);
    assert.equal(holdsItsShare({ pack: 6, left: 1, mean: 1, busy: 5, slots: 2 }), true);
    // One wide trial is a share of its own.
    assert.equal(holdsItsShare({ pack: 64, left: 3, mean: 20, busy: 0, slots: 2 }), true);
    // Nothing left, or one slot: the pack fills (or ends) as it would.
    assert.equal(holdsItsShare({ pack: 1, left: 0, mean: 1, busy: 0, slots: 2 }), false);
    assert.equal(holdsItsShare({ pack: 1, left: 1, mean: 1, busy: 0, slots: 1 }), false);
    // Far from the end, a share is larger than any pack.
    assert.equal(holdsItsShare({ pack: 4, left: 100, mean: 1, busy: 4, slots: 2 }), false);
  });

  it("lowers a pack's load by each member's epoch, never below zero", () => {
    // Two trials of cost 60 and 30, 2 members, 3 epochs each.
    const load = new PackLoad(90);
    load.epochDone(60, 2, 3);
    assert.equal(load.left, 80);
    for (let i = 0; i < 5; i++) load.epochDone(60, 2, 3);
    assert.equal(load.left, 30);
    for (let i = 0; i < 6; i++) load.epochDone(30, 2, 3);
    assert.equal(load.left, 0);
    load.epochDone(30, 2, 3);
    assert.equal(load.left, 0);
  });
});
