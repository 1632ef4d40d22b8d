import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AshaPruner } from '../../src/pruners/asha.js';
import type { CurveTrial } from '../../src/pruners/pruner.js';
import { ask, running } from './curves.js';

/**
 * Trials reach rung 0 (epoch 1) one after another; each is judged against those before it.
 * Hand-worked with reduction factor 3: the kept count is max(1, floor(n / 3)) of the n at the rung.
 */
const ARRIVALS: [number, boolean][] = [
  [0.5, false], // alone: it leads
  [0.4, true], // 2 at the rung keep 1 (0.5)
  [0.6, false], // 3 keep 1: it is that one
  [0.55, true], // 4 keep 1 (0.6)
  [0.5, true], // 5 keep 1
  [0.58, false], // 6 keep 2: 0.6 and 0.58
  [0.57, true], // 7 keep 2
  [0.3, true], // 8 keep 2
  [0.61, false], // 9 keep 3: it leads
  [0.59, false], // 10 keep 3: 0.61, 0.6 and itself
];

describe('ASHA pruner', () => {
  it('promotes past a rung only the top 1/eta of the trials that reached it so far, in order of arrival', () => {
    const pruner = new AshaPruner({ reductionFactor: 3, minResource: 1 });
    const seen: CurveTrial[] = [];
    for (const [i, [value, prunedThere]] of ARRIVALS.entries()) {
      assert.equal(pruner.prune(ask([value], seen)), prunedThere, `arrival ${i + 1} with ${value}`);
      seen.push(running(i + 1, [value]));
    }
  });

  it('judges only at the rungs, epochs min_resource * eta^r', () => {
    const pruner = new AshaPruner({ reductionFactor: 2, minResource: 2 });
    assert.deepEqual(
      [2, 4, 8, 16],
      [0, 1, 2, 3].map((r) => pruner.rungEpoch(r)),
    );
    const leader = running(
      1,
      Array.from({ length: 16 }, () => 0.9),
    );
    const judged = Array.from({ length: 16 }, (_, i) => i + 1).filter((epoch) =>
      pruner.prune(
        ask(
          Array.from({ length: epoch }, () => 0.1),
          [leader],
        ),
      ),
    );
    assert.deepEqual(judged, [2, 4, 8, 16]);
  });

  it('compares best values so far at the rung epoch: what a trial did after the rung does not count', () => {
    const pruner = new AshaPruner({ reductionFactor: 3, minResource: 3 });
    // Trial 1 reached rung 0 (epoch 3) with a best of 0.6, and later got to 0.95.
    const ahead = running(1, [0.2, 0.6, 0.4, 0.95, 0.95]);
    assert.equal(pruner.prune(ask([0.1, 0.7, 0.3], [ahead])), false, 'best so far 0.7 beats 0.6');
    assert.equal(pruner.prune(ask([0.5, 0.55, 0.58], [ahead])), true);
  });

  it('leaves out trials that have not reached the rung', () => {
    const pruner = new AshaPruner({ reductionFactor: 3, minResource: 3 });
    assert.equal(pruner.prune(ask([0.1, 0.1, 0.1], [running(1, [0.9, 0.9])])), false);
  });

  it('prunes a trial whose value is not a number at a rung', () => {
    assert.equal(new AshaPruner({ reductionFactor: 3, minResource: 1 }).prune(ask([NaN], [])), true);
  });
});
