import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Storage, TrialAppend } from '../../src/storage/storage.js';
import type { EpochMetrics, TrialRecord } from '../../src/domain/trial.js';

const SPACE = { hyperparameters: [{ name: 'lr', type: 'float', min: 1e-4, max: 0.1, sampling: 'log' }], seed: 1 };
const metrics = (x: number): EpochMetrics => ({ loss: 1 - x, accuracy: x, val_loss: 1.1 - x, val_accuracy: x - 0.1 });

/** A value set as `tune enqueue` writes it: waiting, no attempt yet. */
const waiting = (lr: number): TrialAppend => ({
  trial: {
    status: 'waiting',
    values: { lr },
    score: null,
    bestEpoch: null,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    seconds: null,
    error: null,
    schedule: null,
    attempt: 0,
  },
  epochs: [],
  attempts: [],
  checkpoints: [],
});

/** An outside result as `tune add` writes it: complete, with one execution's epochs. */
const added = (lr: number, score: number): TrialAppend => ({
  trial: { ...waiting(lr).trial, status: 'complete', score, bestEpoch: 2, finishedAt: new Date().toISOString(), attempt: 1 },
  epochs: [
    { execution: 1, epoch: 1, metrics: metrics(score - 0.05) },
    { execution: 1, epoch: 2, metrics: metrics(score) },
  ],
  attempts: [],
  checkpoints: [],
});

/**
 * The contract's part for the statuses and writes of pruning, warm starts and growing spaces
 * (pruneTrial, appendTrial, waiting trials, updateSpace). Called inside storageContract's
 * describe, with its fresh store and second handle.
 */
export function queueContract(fresh: () => Promise<Storage>, second: (s: Storage) => Promise<Storage>): void {
  it('prunes a running trial with its score so far, keeping its epochs; refuses one that is not running', async () => {
    const s = await fresh();
    const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    const t = await s.createTrial(study.id, { lr: 0.01 });
    await s.recordEpoch(t.id, 1, 1, metrics(0.6));
    await s.recordEpoch(t.id, 1, 2, metrics(0.7));
    const pruned = await s.pruneTrial(t.id, 0.6, 2, 1.5);
    assert.equal(pruned.status, 'pruned');
    assert.equal(pruned.score, 0.6);
    assert.equal(pruned.bestEpoch, 2);
    assert.equal(pruned.seconds, 1.5);
    assert.notEqual(pruned.finishedAt, null);
    assert.equal((await s.epochs(t.id)).length, 2);
    await assert.rejects(s.pruneTrial(t.id, 0.6, 2, 1), /is pruned; only a running trial finishes/);
    await assert.rejects(s.completeTrial(t.id, 0.6, 2, 1), /is pruned/);
    await assert.rejects(s.restartTrial(t.id), /is pruned/);
  });

  it('appends trials with the next free numbers: enqueued ones wait and are claimed first, in number order, by any handle', async () => {
    const s = await fresh();
    const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    await s.createTrial(study.id, { lr: 0.001 });
    const first = await s.appendTrial(study.id, waiting(0.02));
    const other = await second(s);
    const again = await other.appendTrial(study.id, waiting(0.03));
    assert.deepEqual([first.number, again.number], [2, 3]);
    assert.deepEqual([first.status, first.attempt], ['waiting', 0]);
    const claimed = (await other.claimInterrupted(study.id))!;
    assert.deepEqual([claimed.number, claimed.status, claimed.attempt], [2, 'running', 1]);
    assert.deepEqual(claimed.values, { lr: 0.02 });
    const next = (await s.claimInterrupted(study.id))!;
    assert.deepEqual([next.number, next.status, next.attempt], [3, 'running', 1]);
    assert.equal(await s.claimInterrupted(study.id), undefined);
  });

  it('counts waiting and pruned trials toward max_trials, with complete and running ones', async () => {
    const s = await fresh();
    const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    const t = await s.createTrial(study.id, { lr: 0.001 });
    await s.pruneTrial(t.id, 0.5, 1, 1);
    await s.appendTrial(study.id, waiting(0.02));
    assert.equal(await s.createTrialWithin(study.id, { lr: 0.05 }, 2), 'limit');
    const made = await s.createTrialWithin(study.id, { lr: 0.05 }, 3);
    assert.equal((made as TrialRecord).number, 3);
    // A waiting trial's values are taken: a proposal equal to them is a collision, as for any trial.
    assert.equal(await s.createTrialWithin(study.id, { lr: 0.02 }, 10), 'taken');
  });

  it('appends an outside result as a complete trial with its epochs, owned by no process', async () => {
    const s = await fresh();
    const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    const t = await s.appendTrial(study.id, added(0.05, 0.8));
    assert.deepEqual([t.number, t.status, t.score, t.bestEpoch], [1, 'complete', 0.8, 2]);
    assert.deepEqual(
      (await s.epochs(t.id)).map((e) => [e.execution, e.epoch, e.metrics.accuracy]),
      [
        [1, 1, 0.75],
        [1, 2, 0.8],
      ],
    );
    // Nobody runs it: stale-trial recovery and interrupts leave it as it is.
    assert.equal(await s.interruptRunning(study.id), 0);
    assert.equal(await s.recoverStale(study.id, 0), 0);
    assert.equal((await s.trial(study.id, 1))!.status, 'complete');
    await assert.rejects(s.appendTrial(study.id + 1000, added(0.05, 0.8)));
  });

  it('replaces a study space in place, keeping its trials, for every handle', async () => {
    const s = await fresh();
    const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    await s.createTrial(study.id, { lr: 0.01 });
    const grown = { ...SPACE, hyperparameters: [...SPACE.hyperparameters, { name: 'units', type: 'int', min: 8, max: 64, default: 16 }] };
    const updated = await s.updateSpace(study.id, grown);
    assert.deepEqual(updated.space, grown);
    assert.equal(updated.id, study.id);
    const other = await second(s);
    assert.deepEqual((await other.findStudy('s'))!.space, grown);
    assert.equal((await other.trials(study.id)).length, 1);
    // The grown space is now the study's: opening with it finds the study, not a difference.
    assert.equal((await other.openStudy('s', grown, 'val_accuracy', 'max', false)).id, study.id);
    await assert.rejects(s.updateSpace(study.id + 1000, grown), /no study/);
  });
}
