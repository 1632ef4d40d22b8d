import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { COPIED_RUNNING, copyStudy } from '../../src/storage/copy-study.js';
import type { Storage, TrialImport } from '../../src/storage/storage.js';
import type { Checkpoint, StoredWeights } from '../../src/domain/weights.js';
import type { DataRecord } from '../../src/domain/study.js';
import type { EpochMetrics, TrialRecord } from '../../src/domain/trial.js';
import { queueContract } from './storage-contract-queue.js';
import { foldsContract } from './storage-contract-folds.js';

const SPACE = { hyperparameters: [{ name: 'lr', type: 'float', min: 1e-4, max: 0.1, sampling: 'log' }], seed: 1 };
/** A data record whose digests are `tag` repeated: records with different tags hold different bytes. */
const dataRecord = (folder: string, tag: string): DataRecord => ({
  train: { path: `/${folder}/train.hdf5`, size: 100, sha256: tag.repeat(64 / tag.length) },
  valid: { path: `/${folder}/valid.hdf5`, size: 50, sha256: tag.repeat(64 / tag.length).replace(/^./, 'v') },
  test: { path: `/${folder}/test.hdf5`, size: 40, sha256: tag.repeat(64 / tag.length).replace(/^./, 't') },
});
/** A checkpoint whose tensors all hold `x`: two with different `x` differ everywhere. */
const checkpointOf = (x: number): Checkpoint => ({
  weights: { tensors: [{ shape: [2, 1], values: Float32Array.of(x, -x) }] },
  iterations: 10 * x,
  slots: { tensors: [{ shape: [2, 1], values: Float32Array.of(x / 2, x / 3) }] },
});
/** A trial as a copy brings it: complete, retried once, with two executions' epochs, weights and a checkpoint. */
const imported = (number: number): TrialImport => ({
  trial: {
    number,
    status: 'complete',
    values: { lr: 0.01 * number, b: [1, 'x'] } as never,
    score: 0.5 + number / 100,
    bestEpoch: 2,
    startedAt: '2026-01-02T03:04:05.678Z',
    finishedAt: '2026-01-02T03:05:06.789Z',
    seconds: 61.111,
    error: null,
    schedule: { iteration: 0, bracket: 2, round: 1, initialEpoch: 1, epochs: 2, parent: number - 1 },
    attempt: 2,
  },
  epochs: [
    { execution: 1, epoch: 1, metrics: metrics(0.5) },
    { execution: 1, epoch: 2, metrics: metrics(0.25) },
    { execution: 2, epoch: 1, metrics: { loss: Number.NaN, accuracy: 0.5, val_loss: 0.7, val_accuracy: 0.5 } },
  ],
  attempts: [{ attempt: 1, outcome: 'retried', startedAt: '2026-01-02T03:00:00.000Z', endedAt: '2026-01-02T03:04:05.000Z', owner: 'h:1:ab', error: 'NaN' }],
  weights: { tensors: [{ shape: [3], values: Float32Array.of(number, 0.1, -2.5) }] },
  checkpoints: [{ execution: 2, checkpoint: checkpointOf(number) }],
});
const metrics = (loss: number): EpochMetrics => ({ loss, accuracy: 1 - loss, val_loss: loss + 0.1, val_accuracy: 0.9 - loss });

/**
 * What every Storage must do. `make` gives a fresh, empty store; `reopen` gives another handle
 * on the same store as `storage` (which may be open or closed), as a second process would.
 */
export function storageContract(name: string, make: () => Storage | Promise<Storage>, reopen: (storage: Storage) => Storage | Promise<Storage>): void {
  describe(`Storage contract: ${name}`, async () => {
    const opened: Storage[] = [];
    const open = (storage: Storage): Storage => (opened.push(storage), storage);
    const fresh = async () => open(await make());
    /** The trials of `trials` that still have weights. */
    async function weighed(s: Storage, trials: TrialRecord[]): Promise<TrialRecord[]> {
      const kept = await Promise.all(trials.map(async (t) => (await s.loadWeights(t.id)) !== undefined));
      return trials.filter((_, i) => kept[i]);
    }
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });
    queueContract(fresh, async (s) => open(await reopen(s)));
    foldsContract(fresh, async (s) => open(await reopen(s)));

    /** A study in a fresh store with `scores.length` trials completed with those scores. */
    async function scored(direction: 'max' | 'min', scores: number[]) {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', direction, false);
      const trials: TrialRecord[] = [];
      for (const [i, score] of scores.entries()) {
        const t = await s.createTrial(study.id, { lr: i });
        await s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.of(i) }] });
        trials.push(await s.completeTrial(t.id, score, 1, 1));
      }
      return { s, study, trials };
    }

    it('creates a study with its space, objective and direction, and finds and lists it', async () => {
      const s = await fresh();
      const a = await s.openStudy('a', SPACE, 'val_accuracy', 'max', false);
      const b = await s.openStudy('b', [1, 2], 'val_loss', 'min', false);
      assert.deepEqual([a.name, a.space, a.objective, a.direction], ['a', SPACE, 'val_accuracy', 'max']);
      assert.ok(!Number.isNaN(Date.parse(a.createdAt)));
      assert.ok(Object.isFrozen(a));
      assert.deepEqual(await s.findStudy('b'), b);
      assert.equal(await s.findStudy('c'), undefined);
      assert.deepEqual(
        (await s.listStudies()).map((x) => x.name),
        ['a', 'b'],
      );
    });

    it('reopens a study whose space is deep-equal, whatever its key order', async () => {
      const s = await fresh();
      const first = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      await s.createTrial(first.id, { lr: 0.01 });
      const reordered = { seed: 1, hyperparameters: [{ sampling: 'log', max: 0.1, min: 1e-4, type: 'float', name: 'lr' }] };
      const again = await s.openStudy('s', reordered, 'val_accuracy', 'max', false);
      assert.equal(again.id, first.id);
      assert.equal((await s.trials(first.id)).length, 1);
    });

    it('refuses to reopen a study with a changed space, and keeps its trials', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      await s.createTrial(study.id, { lr: 0.01 });
      await s.createTrial(study.id, { lr: 0.02 });
      const changed = { ...SPACE, seed: 2 };
      await assert.rejects(
        s.openStudy('s', changed, 'val_accuracy', 'max', false),
        (err: unknown) =>
          err instanceof InputError &&
          err.where === 'study "s"' &&
          err.what === 'exists with a different search space; pass --overwrite to replace it (this deletes its 2 trials)',
      );
      assert.equal((await s.trials(study.id)).length, 2);
    });

    it('overwrite replaces a study with a changed space and deletes its trials', async () => {
      const s = await fresh();
      const old = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = await s.createTrial(old.id, { lr: 0.01 });
      await s.recordEpoch(t.id, 1, 1, metrics(0.5));
      await s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.of(1) }] });
      const replaced = await s.openStudy('s', { ...SPACE, seed: 2 }, 'val_loss', 'min', true);
      assert.deepEqual([replaced.space, replaced.objective, replaced.direction], [{ ...SPACE, seed: 2 }, 'val_loss', 'min']);
      assert.deepEqual(await s.listStudies(), [replaced]);
      assert.deepEqual(await s.trials(old.id), []);
      assert.deepEqual(await s.epochs(t.id), []);
      assert.equal(await s.loadWeights(t.id), undefined);
      assert.equal((await s.createTrial(replaced.id, {})).number, 1);
    });

    it('records the data a study runs on, keeps a first record unless told to replace it, and shows it to another handle', async () => {
      const s = await fresh();
      const a = await s.openStudy('a', SPACE, 'val_accuracy', 'max', false);
      const b = await s.openStudy('b', SPACE, 'val_accuracy', 'max', false);
      assert.equal(await s.studyData(a.id), undefined, 'a new study has no record');
      assert.deepEqual(await s.recordData(a.id, dataRecord('d', 'ab'), false), dataRecord('d', 'ab'));
      assert.deepEqual(await s.recordData(a.id, dataRecord('e', 'cd'), false), dataRecord('d', 'ab'), 'a first record is kept');
      assert.equal(await s.studyData(b.id), undefined, "one study's record is not another's");
      assert.deepEqual(await s.recordData(a.id, dataRecord('moved', 'ab'), true), dataRecord('moved', 'ab'));
      const other = open(await reopen(s));
      assert.deepEqual(await other.studyData(a.id), dataRecord('moved', 'ab'));
      assert.ok(Object.isFrozen(await other.studyData(a.id)) && Object.isFrozen((await other.studyData(a.id))!.test));
      await assert.rejects(s.recordData(a.id + b.id + 1, dataRecord('d', 'ab'), false), (err: unknown) => err instanceof Error && !(err instanceof InputError));
    });

    it('deletes a study with its trials, epochs, weights and data record, and finds it no more', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const keep = await s.openStudy('keep', SPACE, 'val_accuracy', 'max', false);
      await s.recordData(study.id, dataRecord('d', 'ab'), false);
      await s.recordData(keep.id, dataRecord('k', 'cd'), false);
      const t = await s.createTrial(study.id, { lr: 0.01 });
      await s.recordEpoch(t.id, 1, 1, metrics(0.5));
      await s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.of(1) }] });
      await s.deleteStudy(study.id);
      assert.equal(await s.findStudy('s'), undefined);
      assert.deepEqual(
        [await s.trials(study.id), await s.epochs(t.id), await s.loadWeights(t.id), await s.studyData(study.id)],
        [[], [], undefined, undefined],
      );
      assert.deepEqual(await s.studyData(keep.id), dataRecord('k', 'cd'));
      await s.deleteStudy(study.id);
      const again = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      assert.notEqual(again.id, study.id);
      assert.equal(await s.studyData(again.id), undefined, 'a study made again starts without a record');
    });

    it('drops the data record of a study that overwrite replaces', async () => {
      const s = await fresh();
      const old = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      await s.recordData(old.id, dataRecord('d', 'ab'), false);
      const replaced = await s.openStudy('s', { ...SPACE, seed: 2 }, 'val_accuracy', 'max', true);
      assert.equal(await s.studyData(replaced.id), undefined);
      assert.equal(await s.studyData(old.id), undefined);
    });

    it('numbers trials 1, 2, 3 within each study, starting running with their values', async () => {
      const s = await fresh();
      const a = await s.openStudy('a', SPACE, 'val_accuracy', 'max', false);
      const b = await s.openStudy('b', SPACE, 'val_accuracy', 'max', false);
      const made = [
        await s.createTrial(a.id, { lr: 1 }),
        await s.createTrial(b.id, { lr: 2 }),
        await s.createTrial(a.id, { lr: 3, act: 'relu', bn: true }),
        await s.createTrial(a.id, {}),
      ];
      assert.deepEqual(
        made.map((t) => t.number),
        [1, 1, 2, 3],
      );
      const t = made[2]!;
      assert.deepEqual(
        [t.status, t.values, t.score, t.bestEpoch, t.finishedAt, t.seconds, t.error],
        ['running', { lr: 3, act: 'relu', bn: true }, null, null, null, null, null],
      );
      assert.ok(Object.isFrozen(t) && Object.isFrozen(t.values));
      assert.deepEqual(
        (await s.trials(a.id)).map((x) => x.values),
        [{ lr: 1 }, { lr: 3, act: 'relu', bn: true }, {}],
      );
      assert.deepEqual(await s.trial(a.id, 2), t);
      assert.equal(await s.trial(a.id, 4), undefined);
    });

    it('completes a running trial with its score, best epoch and seconds', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = await s.createTrial(study.id, { lr: 0.01 });
      const done = await s.completeTrial(t.id, 0.875, 7, 12.5);
      assert.deepEqual([done.status, done.score, done.bestEpoch, done.seconds, done.error], ['complete', 0.875, 7, 12.5, null]);
      assert.ok(done.finishedAt !== null && done.finishedAt >= done.startedAt);
      assert.deepEqual(await s.trial(study.id, 1), done);
    });

    it('fails a running trial with its error message', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = await s.createTrial(study.id, { lr: 0.01 });
      const failed = await s.failTrial(t.id, 'out of memory', 3);
      assert.deepEqual([failed.status, failed.error, failed.seconds, failed.score], ['failed', 'out of memory', 3, null]);
      assert.notEqual(failed.finishedAt, null);
    });

    it('throws when completing or failing a trial that is not running', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const complete = await s.completeTrial((await s.createTrial(study.id, {})).id, 0.5, 1, 1);
      const failed = await s.failTrial((await s.createTrial(study.id, {})).id, 'boom', 1);
      const interrupted = await s.createTrial(study.id, {});
      await s.interruptRunning(study.id);
      for (const t of [complete, failed, interrupted]) {
        await assert.rejects(s.completeTrial(t.id, 0.9, 1, 1), /not running|only a running/);
        await assert.rejects(s.failTrial(t.id, 'again', 1), /not running|only a running/);
      }
      assert.deepEqual(
        (await s.trials(study.id)).map((t) => [t.status, t.score, t.error]),
        [
          ['complete', 0.5, null],
          ['failed', null, 'boom'],
          ['interrupted', null, null],
        ],
      );
    });

    it('interrupts only the running trials of the study, drops their epochs, and counts them', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const other = await s.openStudy('other', SPACE, 'val_accuracy', 'max', false);
      const running = await s.createTrial(study.id, {});
      await s.createTrial(study.id, {});
      const done = await s.completeTrial((await s.createTrial(study.id, {})).id, 0.5, 1, 1);
      const elsewhere = await s.createTrial(other.id, {});
      for (const t of [running, done, elsewhere]) await s.recordEpoch(t.id, 1, 1, metrics(0.5));
      assert.equal(await s.interruptRunning(study.id), 2);
      assert.deepEqual(
        (await s.trials(study.id)).map((t) => t.status),
        ['interrupted', 'interrupted', 'complete'],
      );
      assert.equal((await s.trial(other.id, 1))!.status, 'running');
      assert.deepEqual(await s.epochs(running.id), []);
      assert.equal((await s.epochs(done.id)).length, 1);
      assert.equal((await s.epochs(elsewhere.id)).length, 1);
      assert.equal(await s.interruptRunning(study.id), 0);
    });

    it('restarts an interrupted trial with its number and values, and refuses any other', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = await s.createTrial(study.id, { lr: 0.5 });
      await s.recordEpoch(t.id, 1, 1, metrics(0.5));
      await assert.rejects(s.restartTrial(t.id), /running/);
      await s.interruptRunning(study.id);
      const again = await s.restartTrial(t.id);
      assert.deepEqual([again.id, again.number, again.status, again.values, again.finishedAt], [t.id, 1, 'running', { lr: 0.5 }, null]);
      assert.deepEqual(await s.epochs(t.id), []);
      await s.completeTrial(t.id, 0.5, 1, 1);
      await assert.rejects(s.restartTrial(t.id), /complete/);
      assert.equal((await s.createTrial(study.id, {})).number, 2);
    });

    it('retries a running trial from scratch, and refuses a trial that is not running', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = await s.createTrial(study.id, { lr: 0.1 });
      await s.recordEpoch(t.id, 1, 1, metrics(0.4));
      await s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.from([1]) }] });
      const again = await s.retryTrial(t.id);
      assert.deepEqual([again.id, again.number, again.status, again.values], [t.id, 1, 'running', { lr: 0.1 }]);
      assert.deepEqual(await s.epochs(t.id), []);
      assert.equal(await s.loadWeights(t.id), undefined);
      await s.failTrial(t.id, 'boom', 1);
      await assert.rejects(s.retryTrial(t.id), /failed/);
    });

    it('returns epochs ordered by execution then epoch, metrics intact (NaN too)', async () => {
      const s = await fresh();
      const t = await s.createTrial((await s.openStudy('s', SPACE, 'val_accuracy', 'max', false)).id, {});
      for (const [execution, epoch] of [
        [2, 1],
        [1, 2],
        [2, 2],
        [1, 1],
        [1, 10],
      ] as const)
        await s.recordEpoch(t.id, execution, epoch, metrics(execution / 10 + epoch / 100));
      await s.recordEpoch(t.id, 3, 1, { loss: Number.NaN, accuracy: 0.25, val_loss: Number.NaN, val_accuracy: 0.5 });
      const got = await s.epochs(t.id);
      assert.deepEqual(
        got.map((e) => [e.execution, e.epoch]),
        [
          [1, 1],
          [1, 2],
          [1, 10],
          [2, 1],
          [2, 2],
          [3, 1],
        ],
      );
      assert.deepEqual(got[2]!.metrics, metrics(0.1 + 0.1));
      assert.deepEqual(got[5]!.metrics, { loss: Number.NaN, accuracy: 0.25, val_loss: Number.NaN, val_accuracy: 0.5 });
      await assert.rejects(s.recordEpoch(t.id, 1, 1, metrics(0)), 'an epoch is recorded once');
    });

    it('keeps the class metrics an epoch records, and records none where it has none', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_auc', 'max', false);
      const t = await s.createTrial(study.id, {});
      const binary = { ...metrics(0.5), val_auc: 0.8125, val_precision: 0.75, val_recall: 2 / 3, val_f1: 0.7058823529411765 };
      const multi = { ...metrics(0.4), val_macro_f1: 0.3125, val_top_k_accuracy: 0.9 };
      await s.recordEpoch(t.id, 1, 1, binary);
      await s.recordEpoch(t.id, 1, 2, multi);
      // A NaN class metric (an AUC of a one-class split) is recorded as none.
      await s.recordEpoch(t.id, 1, 3, { ...metrics(0.3), val_auc: Number.NaN, val_recall: 0 });
      const got = await s.epochs(t.id);
      assert.deepEqual(got[0]!.metrics, binary);
      assert.deepEqual(got[1]!.metrics, multi);
      assert.deepEqual(got[2]!.metrics, { ...metrics(0.3), val_recall: 0 });
      // An imported trial (tune storage copy) keeps them too.
      const copy = await s.importTrial(study.id, { ...imported(9), epochs: got });
      assert.deepEqual(await s.epochs(copy.id), got);
    });

    it('round-trips weights exactly, shapes and float32 values, and replaces them on save', async () => {
      const s = await fresh();
      const t = await s.createTrial((await s.openStudy('s', SPACE, 'val_accuracy', 'max', false)).id, {});
      assert.equal(await s.loadWeights(t.id), undefined);
      const kernel = Float32Array.from({ length: 3 * 4 }, (_, i) => Math.fround(Math.sin(i + 1) * 10 ** (i - 6)));
      const weights: StoredWeights = {
        tensors: [
          { shape: [3, 4], values: kernel },
          { shape: [4], values: Float32Array.of(-0, 1.4e-45, -3.4028234663852886e38, Number.NaN) },
          { shape: [], values: Float32Array.of(0.1) },
          { shape: [0, 5], values: new Float32Array(0) },
          { shape: [2], values: new Float32Array(new ArrayBuffer(20), 12, 2).fill(Math.PI) },
        ],
      };
      await s.saveWeights(t.id, weights);
      const got = (await s.loadWeights(t.id))!;
      assert.deepEqual(
        got.tensors.map((x) => x.shape),
        [[3, 4], [4], [], [0, 5], [2]],
      );
      got.tensors.forEach((x, i) => {
        assert.ok(x.values instanceof Float32Array);
        assert.notEqual(x.values, weights.tensors[i]!.values);
        assert.deepEqual(Array.from(x.values), Array.from(weights.tensors[i]!.values), `tensor ${i}`);
      });
      await s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.of(7) }] });
      assert.deepEqual(await s.loadWeights(t.id), { tensors: [{ shape: [1], values: Float32Array.of(7) }] });
    });

    for (const [direction, scores, kept] of [
      ['max', [0.5, 0.9, 0.1, 0.7, 0.9], [2, 4, 5]],
      ['min', [0.5, 0.9, 0.1, 0.7, 0.1], [1, 3, 5]],
    ] as const) {
      it(`prunes weights to the best 3 complete trials when ${direction} is better`, async () => {
        const { s, study, trials } = await scored(direction, [...scores]);
        const failed = await s.createTrial(study.id, {});
        await s.saveWeights(failed.id, { tensors: [] });
        await s.failTrial(failed.id, 'boom', 1);
        await s.pruneWeights(study.id, 3);
        const withWeights = (await weighed(s, [...trials, failed])).map((t) => t.number);
        assert.deepEqual(withWeights, kept);
        assert.deepEqual(Array.from((await s.loadWeights(trials[kept[0]! - 1]!.id))!.tensors[0]!.values), [kept[0]! - 1]);
        await s.pruneWeights(study.id, 0);
        assert.deepEqual(await weighed(s, trials), []);
      });

      it(`never prunes the weights of a running trial, which another process saved just before it completes (${direction})`, async () => {
        const { s, study } = await scored(direction, [...scores]);
        const running = await s.createTrial(study.id, { lr: 99 });
        await s.saveWeights(running.id, { tensors: [{ shape: [1], values: Float32Array.of(99) }] });
        await open(await reopen(s)).pruneWeights(study.id, 0);
        assert.deepEqual(Array.from((await s.loadWeights(running.id))!.tensors[0]!.values), [99]);
        await s.completeTrial(running.id, direction === 'max' ? 0 : 1, 1, 1);
        await s.pruneWeights(study.id, 0);
        assert.equal(await s.loadWeights(running.id), undefined);
      });
    }

    it('marks a running trial invalid or stopped with its reason, and restarts a stopped one', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const bad = await s.invalidTrial((await s.createTrial(study.id, { lr: 2 })).id, 'a dropout rate must be in [0, 1), got 2');
      assert.deepEqual([bad.status, bad.error, bad.score], ['invalid', 'a dropout rate must be in [0, 1), got 2', null]);
      const t = await s.createTrial(study.id, { lr: 0.1 });
      await s.recordEpoch(t.id, 1, 1, metrics(0.4));
      const stopped = await s.stopTrial(t.id, 'stopped: the run ended', 3);
      assert.deepEqual([stopped.status, stopped.error, stopped.seconds], ['stopped', 'stopped: the run ended', 3]);
      assert.equal((await s.epochs(t.id)).length, 1, 'a stopped trial keeps its epochs until it runs again');
      await assert.rejects(s.restartTrial(bad.id), /invalid/);
      const again = await s.restartTrial(t.id);
      assert.deepEqual([again.status, again.number, again.error, (await s.epochs(t.id)).length], ['running', 2, null, 0]);
      await assert.rejects(s.stopTrial(bad.id, 'x', 0), /invalid/);
    });

    it('stores a trial’s Hyperband schedule with it', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const schedule = { iteration: 0, bracket: 2, round: 1, initialEpoch: 2, epochs: 4, parent: 1 };
      assert.equal((await s.createTrial(study.id, { lr: 0.1 })).schedule, null);
      const t = await s.createTrial(study.id, { lr: 0.1 }, schedule);
      assert.deepEqual(t.schedule, schedule);
      assert.deepEqual((await s.trial(study.id, 2))!.schedule, schedule);
    });

    it('round-trips checkpoints per execution, and keeps only the trials asked for', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const checkpoint = (x: number) => ({
        weights: {
          tensors: [
            { shape: [2, 1], values: Float32Array.of(x, -x) },
            { shape: [1], values: Float32Array.of(0.5) },
          ],
        },
        iterations: 63 + x,
        slots: {
          tensors: [
            { shape: [2, 1], values: Float32Array.of(1e-8, x) },
            { shape: [1], values: Float32Array.of(3) },
          ],
        },
      });
      // One after another, so that a, b and c are trials 1, 2 and 3 on every storage.
      const [a, b, c] = [await s.createTrial(study.id, { lr: 0.1 }), await s.createTrial(study.id, { lr: 0.2 }), await s.createTrial(study.id, { lr: 0.3 })];
      await s.saveCheckpoint(a!.id, 1, checkpoint(1));
      await s.saveCheckpoint(a!.id, 2, checkpoint(2));
      await s.saveCheckpoint(b!.id, 1, checkpoint(3));
      await s.saveCheckpoint(c!.id, 1, checkpoint(4));
      assert.deepEqual(await s.loadCheckpoint(a!.id, 2), checkpoint(2));
      await s.saveCheckpoint(a!.id, 2, checkpoint(5));
      assert.deepEqual(await s.loadCheckpoint(a!.id, 2), checkpoint(5));
      assert.equal(await s.loadCheckpoint(a!.id, 3), undefined);
      for (const t of [a!, b!, c!]) await s.completeTrial(t.id, 0.5, 1, 1);
      // A running trial's checkpoint is kept whatever the list: its process saved it for its end.
      const d = await s.createTrial(study.id, { lr: 0.4 });
      await s.saveCheckpoint(d.id, 1, checkpoint(6));
      await s.keepCheckpoints(study.id, [1, 3]);
      assert.deepEqual(
        [await s.loadCheckpoint(a!.id, 1), await s.loadCheckpoint(b!.id, 1), await s.loadCheckpoint(c!.id, 1), await s.loadCheckpoint(d.id, 1)],
        [checkpoint(1), undefined, checkpoint(4), checkpoint(6)],
      );
      await s.keepCheckpoints(study.id, []);
      assert.equal(await s.loadCheckpoint(c!.id, 1), undefined);
      assert.deepEqual(await s.loadCheckpoint(d.id, 1), checkpoint(6));
      await s.completeTrial(d.id, 0.5, 1, 1);
      await s.keepCheckpoints(study.id, []);
      assert.equal(await s.loadCheckpoint(d.id, 1), undefined);
    });

    it('creates within a limit that counts complete, running, interrupted and stopped trials, not failed ones', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const a = await s.createTrialWithin(study.id, { lr: 1 }, 3);
      assert.ok(typeof a === 'object');
      await s.failTrial(a.id, 'boom', 1);
      const b = (await s.createTrialWithin(study.id, { lr: 2 }, 3)) as TrialRecord;
      await s.completeTrial(b.id, 0.5, 1, 1);
      await s.createTrialWithin(study.id, { lr: 3 }, 3);
      await s.interruptRunning(study.id);
      await s.createTrialWithin(study.id, { lr: 4 }, 3);
      assert.equal(await s.createTrialWithin(study.id, { lr: 5 }, 3), 'limit');
      assert.deepEqual(
        (await s.trials(study.id)).map((t) => t.status),
        ['failed', 'complete', 'interrupted', 'running'],
      );
    });

    it('refuses values another trial already has, and a second promotion of one parent', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const first = (await s.createTrialWithin(study.id, { lr: 1 }, 10)) as TrialRecord;
      assert.equal(await s.createTrialWithin(study.id, { lr: 1 }, 10), 'taken');
      const promote = { iteration: 0, bracket: 1, round: 1, initialEpoch: 1, epochs: 3, parent: first.number };
      assert.equal(((await s.createTrialWithin(study.id, { lr: 1 }, 10, promote)) as TrialRecord).number, 2);
      assert.equal(await s.createTrialWithin(study.id, { lr: 1 }, 10, promote), 'taken');
    });

    it('claims interrupted trials lowest number first, each once, as the next attempt with its history', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      for (const i of [1, 2, 3]) await s.createTrial(study.id, { lr: i });
      await s.interruptRunning(study.id);
      const other = open(await reopen(s));
      const one = (await s.claimInterrupted(study.id))!;
      const two = (await other.claimInterrupted(study.id))!;
      assert.deepEqual([one.number, two.number, one.attempt, one.status], [1, 2, 2, 'running']);
      assert.deepEqual(
        (await s.attempts(one.id)).map((a) => [a.attempt, a.outcome]),
        [[1, 'interrupted']],
      );
      assert.equal((await s.claimInterrupted(study.id))!.number, 3);
      assert.equal(await other.claimInterrupted(study.id), undefined);
    });

    it('keeps a retried attempt as history with its error', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = await s.retryTrial((await s.createTrial(study.id, { lr: 1 })).id, 'loss became NaN at epoch 2');
      assert.equal(t.attempt, 2);
      assert.deepEqual(
        (await s.attempts(t.id)).map((a) => [a.attempt, a.outcome, a.error]),
        [[1, 'retried', 'loss became NaN at epoch 2']],
      );
    });

    it('interrupts only its own running trials, and takes over another handle’s once its heartbeat is stale', async () => {
      const a = await fresh();
      const study = await a.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const b = open(await reopen(a));
      const mine = await a.createTrial(study.id, { lr: 1 });
      await a.recordEpoch(mine.id, 1, 1, metrics(0.3));
      assert.equal(await b.interruptRunning(study.id), 0);
      assert.equal(await b.recoverStale(study.id, 60_000), 0, 'a live handle with a fresh heartbeat keeps its trial');
      await new Promise((resolve) => setTimeout(resolve, 30));
      await a.heartbeat();
      assert.equal(await b.recoverStale(study.id, 20), 0, 'the heartbeat just now keeps it alive');
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(await b.recoverStale(study.id, 20), 1);
      const t = (await b.trial(study.id, 1))!;
      assert.deepEqual([t.status, (await b.epochs(t.id)).length], ['interrupted', 0]);
      assert.deepEqual(
        (await b.attempts(t.id)).map((x) => x.outcome),
        ['crashed'],
      );
      assert.equal((await b.claimInterrupted(study.id))!.attempt, 2);
    });

    it('keeps everything after the store is closed and reopened', async () => {
      const { s, study } = await scored('max', [0.25, 0.75]);
      await s.recordEpoch((await s.createTrial(study.id, { lr: 0.3 })).id, 1, 1, metrics(0.4));
      const before = {
        studies: await s.listStudies(),
        trials: await s.trials(study.id),
        epochs: await s.epochs((await s.trial(study.id, 3))!.id),
        weights: await s.loadWeights((await s.trial(study.id, 2))!.id),
      };
      await s.close();
      const r = open(await reopen(s));
      const after = {
        studies: await r.listStudies(),
        trials: await r.trials(study.id),
        epochs: await r.epochs((await r.trial(study.id, 3))!.id),
        weights: await r.loadWeights((await r.trial(study.id, 2))!.id),
      };
      assert.equal(after.trials.length, 3);
      assert.deepEqual(after, before);
      assert.equal((await r.createTrial(study.id, {})).number, 4);
    });

    it('lets a second handle read what the first writes while both are open', async () => {
      const writer = await fresh();
      const study = await writer.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const reader = open(await reopen(writer));
      const t = await writer.createTrial(study.id, { lr: 0.1 });
      await writer.recordEpoch(t.id, 1, 1, metrics(0.3));
      assert.equal((await reader.trial(study.id, 1))!.status, 'running');
      assert.equal((await reader.epochs(t.id)).length, 1);
      await writer.completeTrial(t.id, 0.6, 1, 2);
      assert.equal((await reader.trial(study.id, 1))!.score, 0.6);
      assert.equal((await reader.createTrial(study.id, {})).number, 2);
      assert.deepEqual(
        (await writer.trials(study.id)).map((x) => x.status),
        ['complete', 'running'],
      );
    });

    it('imports a study as given, with its creation time and data record, and refuses a name it has, writing nothing', async () => {
      const s = await fresh();
      const given = { name: 'moved', space: SPACE, objective: 'val_loss', direction: 'min' as const, createdAt: '2025-12-31T23:59:59.123Z' };
      const study = await s.importStudy(given, dataRecord('d', 'ab'));
      assert.deepEqual({ ...study, id: 0 }, { ...given, id: 0 });
      assert.ok(Object.isFrozen(study));
      assert.deepEqual(await s.findStudy('moved'), study);
      assert.deepEqual(await s.studyData(study.id), dataRecord('d', 'ab'));
      const bare = await s.importStudy({ ...given, name: 'bare' }, undefined);
      assert.equal(await s.studyData(bare.id), undefined);
      await assert.rejects(
        s.importStudy({ ...given, objective: 'val_accuracy' }, dataRecord('e', 'cd')),
        (err: unknown) => err instanceof InputError && err.where === 'study "moved"' && /^already exists/.test(err.what),
      );
      assert.deepEqual(await s.listStudies(), [study, bare]);
      assert.deepEqual(await s.studyData(study.id), dataRecord('d', 'ab'));
    });

    it('imports a trial as given, with its epochs, attempts, weights and checkpoints, and another handle reads it all', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const item = imported(3);
      const t = await s.importTrial(study.id, item);
      assert.deepEqual({ ...t, id: 0 }, { ...item.trial, id: 0 });
      assert.ok(Object.isFrozen(t));
      const r = open(await reopen(s));
      assert.deepEqual(await r.trial(study.id, 3), t);
      assert.deepEqual(await r.epochs(t.id), item.epochs);
      assert.deepEqual(await r.attempts(t.id), item.attempts);
      assert.deepEqual(await r.loadWeights(t.id), item.weights);
      assert.deepEqual(await r.checkpointExecutions(t.id), [2]);
      assert.deepEqual(await r.loadCheckpoint(t.id, 2), checkpointOf(3));
      assert.equal(await r.loadCheckpoint(t.id, 1), undefined);
      // An imported trial belongs to no process: nothing interrupts it, and numbering goes on past it.
      assert.equal(await r.interruptRunning(study.id), 0);
      assert.equal((await r.createTrial(study.id, { lr: 1 })).number, 4);
      const waiting = await s.importTrial(study.id, { ...imported(1), trial: { ...imported(1).trial, status: 'interrupted', score: null } });
      assert.equal((await s.claimInterrupted(study.id))!.id, waiting.id);
      assert.equal((await s.trial(study.id, 1))!.attempt, 3, 'a claimed import runs as its next attempt');
    });

    it('refuses to import a running trial, a number the study has, and into no study, writing nothing', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const first = await s.importTrial(study.id, imported(1));
      const running = { ...imported(2), trial: { ...imported(2).trial, status: 'running' as const } };
      const isBug = (err: unknown) => err instanceof Error && !(err instanceof InputError);
      await assert.rejects(s.importTrial(study.id, running), isBug);
      await assert.rejects(s.importTrial(study.id, { ...imported(1), weights: undefined }), isBug);
      await assert.rejects(s.importTrial(study.id + 1000, imported(5)), isBug);
      assert.deepEqual(await s.trials(study.id), [first]);
      assert.deepEqual(await s.loadWeights(first.id), imported(1).weights);
      assert.equal((await s.epochs(first.id)).length, 3);
    });

    it('lists the executions of a trial that have a checkpoint, and forgets those it drops', async () => {
      const s = await fresh();
      const study = await s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = await s.createTrial(study.id, { lr: 0.1 });
      assert.deepEqual(await s.checkpointExecutions(t.id), []);
      await s.saveCheckpoint(t.id, 3, checkpointOf(1));
      await s.saveCheckpoint(t.id, 1, checkpointOf(2));
      assert.deepEqual(await s.checkpointExecutions(t.id), [1, 3]);
      // Dropped only once the trial has ended: a running trial's checkpoints are always kept.
      await s.completeTrial(t.id, 0.5, 1, 1);
      await s.keepCheckpoints(study.id, []);
      assert.deepEqual(await s.checkpointExecutions(t.id), []);
    });

    it('copies a study into another store: every trial as it was, a running one as interrupted, and refuses a second copy', async () => {
      const from = await fresh();
      const study = await from.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      await from.recordData(study.id, dataRecord('d', 'ab'), false);
      const done = await from.importTrial(study.id, imported(1));
      const running = await from.createTrial(study.id, { lr: 0.2 });
      await from.recordEpoch(running.id, 1, 1, metrics(0.4));
      await from.saveCheckpoint(running.id, 1, checkpointOf(7));
      const stopped = await from.createTrial(study.id, { lr: 0.3 });
      await from.recordEpoch(stopped.id, 1, 1, metrics(0.3));
      await from.stopTrial(stopped.id, 'another trial failed', 2);
      const to = await fresh();
      const other = await to.openStudy('other', [1], 'val_loss', 'min', false);
      const summary = await copyStudy(from, to, study, { now: () => '2026-02-03T04:05:06.007Z' });
      assert.deepEqual(summary, { study: 's', trials: 3, epochs: 4, weights: 1, checkpoints: 1, interrupted: [2] });
      const copy = (await to.findStudy('s'))!;
      assert.deepEqual({ ...copy, id: 0 }, { ...study, id: 0 });
      assert.deepEqual(await to.studyData(copy.id), dataRecord('d', 'ab'));
      const [a, b, c] = await to.trials(copy.id);
      const sourceTrials = await from.trials(study.id);
      assert.deepEqual({ ...a, id: 0 }, { ...done, id: 0 });
      assert.deepEqual(await to.epochs(a!.id), imported(1).epochs);
      assert.deepEqual(await to.attempts(a!.id), imported(1).attempts);
      assert.deepEqual(await to.loadWeights(a!.id), imported(1).weights);
      assert.deepEqual(await to.loadCheckpoint(a!.id, 2), checkpointOf(1));
      const wasRunning = sourceTrials[1]!;
      assert.deepEqual({ ...b, id: 0 }, { ...wasRunning, id: 0, status: 'interrupted', finishedAt: '2026-02-03T04:05:06.007Z' });
      assert.deepEqual(await to.epochs(b!.id), [], 'a cut-off run is no result');
      assert.deepEqual(await to.checkpointExecutions(b!.id), []);
      assert.deepEqual(await to.attempts(b!.id), [
        { attempt: 1, outcome: 'interrupted', startedAt: wasRunning.startedAt, endedAt: '2026-02-03T04:05:06.007Z', owner: null, error: COPIED_RUNNING },
      ]);
      assert.deepEqual({ ...c, id: 0 }, { ...sourceTrials[2]!, id: 0 });
      assert.deepEqual(await to.epochs(c!.id), await from.epochs(stopped.id));
      assert.deepEqual(await to.attempts(c!.id), await from.attempts(stopped.id));
      assert.equal((await from.trial(study.id, 2))!.status, 'running', 'the copy leaves FROM as it was');
      await assert.rejects(copyStudy(from, to, study), (err: unknown) => err instanceof InputError && err.where === 'study "s"');
      assert.equal((await to.trials(copy.id)).length, 3);
      assert.deepEqual(
        (await to.listStudies()).map((x) => x.name),
        [other.name, 's'],
      );
    });

    it('leaves no half-copied study behind when a copy stops midway', async () => {
      const from = await fresh();
      const study = await from.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      await from.importTrial(study.id, imported(1));
      await from.createTrial(study.id, { lr: 0.2 });
      await from.importTrial(study.id, imported(3));
      const to = await fresh();
      const other = await to.openStudy('other', [1], 'val_loss', 'min', false);
      await to.createTrial(other.id, {});
      const stop = new AbortController();
      // Ctrl-C while trial 2 is copied: trials 1 and 2 are written by then, trial 3 is not.
      const now = () => (stop.abort(new Error('stopped by the test')), new Date().toISOString());
      await assert.rejects(copyStudy(from, to, study, { signal: stop.signal, now }), /stopped by the test/);
      assert.deepEqual(
        (await to.listStudies()).map((x) => x.name),
        ['other'],
      );
      assert.equal((await to.trials(other.id)).length, 1);
      assert.deepEqual(await copyStudy(from, to, study), { study: 's', trials: 3, epochs: 6, weights: 2, checkpoints: 2, interrupted: [2] });
    });
  });
}
