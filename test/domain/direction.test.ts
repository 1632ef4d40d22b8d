import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Direction } from '../../src/domain/direction.js';
import { TRANSITIONS, checkTransition } from '../../src/domain/trial.js';

describe('Direction', () => {
  it('calls higher better for max and lower better for min, a tie better for neither', () => {
    assert.deepEqual(
      [Direction.better('max', 0.9, 0.8), Direction.better('max', 0.8, 0.9), Direction.better('min', 0.1, 0.2), Direction.better('min', 0.2, 0.1)],
      [true, false, true, false],
    );
    assert.deepEqual([Direction.better('max', 0.5, 0.5), Direction.better('min', 0.5, 0.5)], [false, false]);
  });

  it('finds the first best item, and none among none', () => {
    const items = [
      { n: 1, s: 0.5 },
      { n: 2, s: 0.9 },
      { n: 3, s: 0.9 },
      { n: 4, s: 0.1 },
      { n: 5, s: 0.1 },
    ];
    assert.equal(Direction.best('max', items, (i) => i.s)?.n, 2);
    assert.equal(Direction.best('min', items, (i) => i.s)?.n, 4);
    assert.equal(
      Direction.best('max', [], (i: number) => i),
      undefined,
    );
  });

  it('orders better scores first, and signs them +1 up, -1 down', () => {
    assert.deepEqual([0.2, 0.9, 0.5].sort(Direction.order('max')), [0.9, 0.5, 0.2]);
    assert.deepEqual([0.2, 0.9, 0.5].sort(Direction.order('min')), [0.2, 0.5, 0.9]);
    assert.deepEqual([Direction.sign('max'), Direction.sign('min')], [1, -1]);
  });
});

describe('trial transitions', () => {
  it('lets a running trial end every way, (re)starts only interrupted, stopped and waiting ones, and says why it refuses', () => {
    for (const transition of ['complete', 'fail', 'invalid', 'stop', 'prune', 'interrupt', 'retry'] as const) checkTransition(1, 'running', transition);
    checkTransition(1, 'interrupted', 'restart');
    checkTransition(1, 'stopped', 'restart');
    checkTransition(1, 'waiting', 'restart');
    assert.throws(() => checkTransition(7, 'complete', 'restart'), /^Error: trial 7 is complete; only an interrupted, stopped or waiting trial \(re\)starts$/);
    assert.throws(() => checkTransition(7, 'pruned', 'restart'), /trial 7 is pruned/);
    assert.throws(() => checkTransition(7, 'waiting', 'prune'), /only a running trial finishes/);
    assert.throws(() => checkTransition(7, 'failed', 'complete'), /^Error: trial 7 is failed; only a running trial finishes$/);
    assert.throws(() => checkTransition(7, 'interrupted', 'retry'), /only a running trial is retried/);
    assert.deepEqual(
      Object.values(TRANSITIONS).map((t) => t.to),
      ['complete', 'failed', 'invalid', 'stopped', 'pruned', 'interrupted', 'running', 'running'],
    );
  });
});
