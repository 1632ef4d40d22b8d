import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/random/rng.js';

describe('Rng', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(42)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(42)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(43)),
    );
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    for (const v of a) assert.ok(v >= 0 && v < 1);
  });

  it('shuffles into a permutation, every position reachable', () => {
    const rng = new Rng(1);
    const firstSeen = new Set<number>();
    for (let t = 0; t < 200; t++) {
      const items = rng.shuffle([0, 1, 2, 3, 4, 5]);
      assert.deepEqual([...items].sort(), [0, 1, 2, 3, 4, 5]);
      firstSeen.add(items[0]!);
    }
    assert.equal(firstSeen.size, 6);
  });
});
