import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Storage } from '../../src/storage/storage.js';
import type { FoldScore, StudyFolds } from '../../src/domain/folds.js';
import { copyStudy } from '../../src/storage/copy-study.js';
import { studyFolds } from '../../src/folds/assign-folds.js';

const SPACE = { hyperparameters: [{ name: 'lr', type: 'float', min: 1e-4, max: 0.1, sampling: 'log' }], seed: 1 };
const labels = Int32Array.from({ length: 23 }, (_, i) => (i % 3 === 0 ? 1 : 0));
const metrics = { loss: 0.5, accuracy: 0.5, val_loss: 0.6, val_accuracy: 0.4 };
const scores: FoldScore[] = [
  { execution: 2, fold: 1, score: 0.7, bestEpoch: 3 },
  { execution: 1, fold: 2, score: 0.6, bestEpoch: 1 },
  { execution: 1, fold: 1, score: 0.8, bestEpoch: 2 },
  { execution: 2, fold: 2, score: 0.5, bestEpoch: 4 },
];
const plain = (folds: StudyFolds | undefined) => folds && { ...folds, folds: folds.folds.map((f) => ({ ...f, rows: Array.from(f.rows) })) };

/**
 * The contract's part for cross-validation: a study's folds (recorded once, kept against a
 * second draw) and a trial's fold scores (replaced, dropped with its results on a restart, a
 * retry and an interrupt, carried by a copy). Called inside storageContract's describe.
 */
export function foldsContract(fresh: () => Promise<Storage>, second: (s: Storage) => Promise<Storage>): void {
  it('records a study’s folds once, with every fold’s rows, count and digest, and keeps the first record against a second one', async () => {
    const s = await fresh();
    const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    assert.equal(await s.studyFolds(study.id), undefined);
    const folds = studyFolds(labels, 4, true, 7);
    assert.deepEqual(plain(await s.recordFolds(study.id, folds)), plain(folds));
    const other = await second(s);
    assert.deepEqual(plain(await other.recordFolds(study.id, studyFolds(labels, 4, true, 8))), plain(folds), 'the first record stays');
    const read = (await other.studyFolds(study.id))!;
    assert.deepEqual(plain(read), plain(folds));
    assert.ok(read.folds[0]!.rows instanceof Int32Array);
    assert.deepEqual(
      read.folds.map((f) => f.count),
      [6, 6, 6, 5],
    );
    await assert.rejects(s.recordFolds(study.id + 100, folds), /no study/);
    await s.deleteStudy(study.id);
    const again = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    assert.equal(await s.studyFolds(again.id), undefined, 'a deleted study takes its folds with it');
  });

  it('stores a trial’s fold scores by fold then execution, replaces them, and drops them when the trial restarts, is retried or interrupted', async () => {
    const s = await fresh();
    const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    const t = await s.createTrial(study.id, { lr: 0.01 });
    assert.deepEqual(await s.foldScores(t.id), []);
    await s.saveFoldScores(t.id, scores);
    assert.deepEqual(
      (await s.foldScores(t.id)).map((f) => [f.fold, f.execution, f.score, f.bestEpoch]),
      [
        [1, 1, 0.8, 2],
        [1, 2, 0.7, 3],
        [2, 1, 0.6, 1],
        [2, 2, 0.5, 4],
      ],
    );
    await s.saveFoldScores(t.id, scores.slice(0, 1));
    assert.equal((await s.foldScores(t.id)).length, 1, 'a second save replaces the first');
    await s.retryTrial(t.id, 'boom');
    assert.deepEqual(await s.foldScores(t.id), [], 'a retry drops them');
    await s.saveFoldScores(t.id, scores);
    assert.equal(await s.interruptRunning(study.id), 1);
    assert.deepEqual(await s.foldScores(t.id), [], 'an interrupt drops them');
    await s.restartTrial(t.id);
    await s.saveFoldScores(t.id, scores);
    await s.completeTrial(t.id, 0.65, 2, 1);
    assert.equal((await (await second(s)).foldScores(t.id)).length, 4, 'a second handle reads them');
    await assert.rejects(s.saveFoldScores(t.id + 100, scores), /no trial/);
  });

  it('carries the folds and fold scores in a copy to another store', async () => {
    const from = await fresh();
    const to = await fresh();
    const study = await from.openStudy('s', SPACE, 'val_accuracy', 'max', false);
    const folds = studyFolds(labels, 3, false, 1);
    await from.recordFolds(study.id, folds);
    const t = await from.createTrial(study.id, { lr: 0.01 });
    await from.recordEpoch(t.id, 1, 1, metrics);
    await from.saveFoldScores(t.id, scores);
    await from.completeTrial(t.id, 0.65, 2, 1);
    const running = await from.createTrial(study.id, { lr: 0.02 });
    await from.saveFoldScores(running.id, scores);
    await copyStudy(from, to, study);
    const copied = (await to.findStudy('s'))!;
    assert.deepEqual(plain(await to.studyFolds(copied.id)), plain(folds));
    const [done, cut] = await to.trials(copied.id);
    assert.deepEqual(await to.foldScores(done!.id), await from.foldScores(t.id));
    assert.deepEqual(await to.foldScores(cut!.id), [], 'a running trial arrives interrupted, without its fold scores');
  });
}
