import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EpochMetrics } from '../../src/domain/trial.js';
import type { CurveTrial, Pruner, PruneQuestion } from '../../src/pruners/pruner.js';
import { PruningBoard } from '../../src/study/pruning-board.js';

const m = (val_accuracy: number): EpochMetrics => ({ loss: 1, accuracy: 0.5, val_loss: 1, val_accuracy });

/** A pruner that records what it is asked and prunes below 0.5. */
class Recorder implements Pruner {
  readonly kind = 'median';
  readonly asked: PruneQuestion[] = [];
  prune(q: PruneQuestion): boolean {
    this.asked.push(structuredClone(q));
    return q.trial.values.at(-1)! < 0.5;
  }
}

describe('pruning board', () => {
  it("judges an epoch once every execution reported it, on the executions' mean", () => {
    const pruner = new Recorder();
    const board = new PruningBoard(pruner, 'max', 'val_accuracy', 2);
    assert.equal(board.report(1, 1, 1, m(0.8)), undefined, 'one of two executions');
    assert.equal(board.report(1, 1, 2, m(0.9)), undefined, 'executions that run one after another');
    assert.equal(board.report(1, 2, 1, m(0.6)), 'continue');
    assert.equal(board.report(1, 2, 2, m(0.1)), 'continue', '(0.9 + 0.1) / 2 is not below 0.5');
    assert.deepEqual(
      pruner.asked.map((q) => q.trial.values),
      [[0.7], [0.7, 0.5]],
    );
  });

  it('shows the pruner the other trials with their status, and forgets attempts that did not finish', () => {
    const pruner = new Recorder();
    const board = new PruningBoard(pruner, 'max', 'val_accuracy', 1);
    board.report(1, 1, 1, m(0.9));
    board.finished(1, 'complete');
    board.report(2, 1, 1, m(0.8));
    board.report(3, 1, 1, m(0.7));
    board.forget(3);
    board.report(4, 1, 1, m(0.6));
    const others: readonly CurveTrial[] = pruner.asked.at(-1)!.others;
    assert.deepEqual(
      others.map((t) => [t.number, t.status, t.values]),
      [
        [1, 'complete', [0.9]],
        [2, 'running', [0.8]],
      ],
    );
  });

  it('keeps a pruned verdict: later epochs of that trial are recorded but not judged again', () => {
    const pruner = new Recorder();
    const board = new PruningBoard(pruner, 'max', 'val_accuracy', 1);
    assert.equal(board.report(1, 1, 1, m(0.2)), 'prune');
    assert.equal(board.report(1, 1, 2, m(0.9)), undefined);
    assert.equal(pruner.asked.length, 1);
    board.report(2, 1, 1, m(0.9));
    assert.deepEqual(
      pruner.asked.at(-1)!.others.map((t) => [t.status, t.values]),
      [['pruned', [0.2, 0.9]]],
    );
  });
});
