import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage, StoredWeights } from '../../src/storage/storage.js';
import type { DataRecord, EpochMetrics, TrialRecord } from '../../src/study/trial.js';
import { tempDir } from '../helpers/tune.js';

const SPACE = { hyperparameters: [{ name: 'lr', type: 'float', min: 1e-4, max: 0.1, sampling: 'log' }], seed: 1 };
/** A data record whose digests are `tag` repeated: records with different tags hold different bytes. */
const dataRecord = (folder: string, tag: string): DataRecord => ({
  train: { path: `/${folder}/train.hdf5`, size: 100, sha256: tag.repeat(64 / tag.length) },
  valid: { path: `/${folder}/valid.hdf5`, size: 50, sha256: tag.repeat(64 / tag.length).replace(/^./, 'v') },
  test: { path: `/${folder}/test.hdf5`, size: 40, sha256: tag.repeat(64 / tag.length).replace(/^./, 't') },
});
const metrics = (loss: number): EpochMetrics => ({ loss, accuracy: 1 - loss, val_loss: loss + 0.1, val_accuracy: 0.9 - loss });

/**
 * What every Storage must do. `make` gives a fresh, empty store; `reopen` gives another handle
 * on the same store as `storage` (which may be open or closed), as a second process would.
 */
function storageContract(name: string, make: () => Storage, reopen: (storage: Storage) => Storage): void {
  describe(`Storage contract: ${name}`, () => {
    const opened: Storage[] = [];
    const open = (storage: Storage) => (opened.push(storage), storage);
    const fresh = () => open(make());
    afterEach(() => opened.splice(0).forEach((s) => s.close()));

    /** A study in a fresh store with `scores.length` trials completed with those scores. */
    function scored(direction: 'max' | 'min', scores: number[]) {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', direction, false);
      const trials = scores.map((score, i) => {
        const t = s.createTrial(study.id, { lr: i });
        s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.of(i) }] });
        return s.completeTrial(t.id, score, 1, 1);
      });
      return { s, study, trials };
    }

    it('creates a study with its space, objective and direction, and finds and lists it', () => {
      const s = fresh();
      const a = s.openStudy('a', SPACE, 'val_accuracy', 'max', false);
      const b = s.openStudy('b', [1, 2], 'val_loss', 'min', false);
      assert.deepEqual([a.name, a.space, a.objective, a.direction], ['a', SPACE, 'val_accuracy', 'max']);
      assert.ok(!Number.isNaN(Date.parse(a.createdAt)));
      assert.ok(Object.isFrozen(a));
      assert.deepEqual(s.findStudy('b'), b);
      assert.equal(s.findStudy('c'), undefined);
      assert.deepEqual(
        s.listStudies().map((x) => x.name),
        ['a', 'b'],
      );
    });

    it('reopens a study whose space is deep-equal, whatever its key order', () => {
      const s = fresh();
      const first = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      s.createTrial(first.id, { lr: 0.01 });
      const reordered = { seed: 1, hyperparameters: [{ sampling: 'log', max: 0.1, min: 1e-4, type: 'float', name: 'lr' }] };
      const again = s.openStudy('s', reordered, 'val_accuracy', 'max', false);
      assert.equal(again.id, first.id);
      assert.equal(s.trials(first.id).length, 1);
    });

    it('refuses to reopen a study with a changed space, and keeps its trials', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      s.createTrial(study.id, { lr: 0.01 });
      s.createTrial(study.id, { lr: 0.02 });
      const changed = { ...SPACE, seed: 2 };
      assert.throws(
        () => s.openStudy('s', changed, 'val_accuracy', 'max', false),
        (err: unknown) =>
          err instanceof InputError &&
          err.where === 'study "s"' &&
          err.what === 'exists with a different search space; pass --overwrite to replace it (this deletes its 2 trials)',
      );
      assert.equal(s.trials(study.id).length, 2);
    });

    it('overwrite replaces a study with a changed space and deletes its trials', () => {
      const s = fresh();
      const old = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = s.createTrial(old.id, { lr: 0.01 });
      s.recordEpoch(t.id, 1, 1, metrics(0.5));
      s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.of(1) }] });
      const replaced = s.openStudy('s', { ...SPACE, seed: 2 }, 'val_loss', 'min', true);
      assert.deepEqual([replaced.space, replaced.objective, replaced.direction], [{ ...SPACE, seed: 2 }, 'val_loss', 'min']);
      assert.deepEqual(s.listStudies(), [replaced]);
      assert.deepEqual(s.trials(old.id), []);
      assert.deepEqual(s.epochs(t.id), []);
      assert.equal(s.loadWeights(t.id), undefined);
      assert.equal(s.createTrial(replaced.id, {}).number, 1);
    });

    it('records the data a study runs on, keeps a first record unless told to replace it, and shows it to another handle', () => {
      const s = fresh();
      const a = s.openStudy('a', SPACE, 'val_accuracy', 'max', false);
      const b = s.openStudy('b', SPACE, 'val_accuracy', 'max', false);
      assert.equal(s.studyData(a.id), undefined, 'a new study has no record');
      assert.deepEqual(s.recordData(a.id, dataRecord('d', 'ab'), false), dataRecord('d', 'ab'));
      assert.deepEqual(s.recordData(a.id, dataRecord('e', 'cd'), false), dataRecord('d', 'ab'), 'a first record is kept');
      assert.equal(s.studyData(b.id), undefined, "one study's record is not another's");
      assert.deepEqual(s.recordData(a.id, dataRecord('moved', 'ab'), true), dataRecord('moved', 'ab'));
      const other = open(reopen(s));
      assert.deepEqual(other.studyData(a.id), dataRecord('moved', 'ab'));
      assert.ok(Object.isFrozen(other.studyData(a.id)) && Object.isFrozen(other.studyData(a.id)!.test));
      assert.throws(
        () => s.recordData(a.id + b.id + 1, dataRecord('d', 'ab'), false),
        (err: unknown) => err instanceof Error && !(err instanceof InputError),
      );
    });

    it('deletes a study with its trials, epochs, weights and data record, and finds it no more', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const keep = s.openStudy('keep', SPACE, 'val_accuracy', 'max', false);
      s.recordData(study.id, dataRecord('d', 'ab'), false);
      s.recordData(keep.id, dataRecord('k', 'cd'), false);
      const t = s.createTrial(study.id, { lr: 0.01 });
      s.recordEpoch(t.id, 1, 1, metrics(0.5));
      s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.of(1) }] });
      s.deleteStudy(study.id);
      assert.equal(s.findStudy('s'), undefined);
      assert.deepEqual([s.trials(study.id), s.epochs(t.id), s.loadWeights(t.id), s.studyData(study.id)], [[], [], undefined, undefined]);
      assert.deepEqual(s.studyData(keep.id), dataRecord('k', 'cd'));
      s.deleteStudy(study.id);
      const again = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      assert.notEqual(again.id, study.id);
      assert.equal(s.studyData(again.id), undefined, 'a study made again starts without a record');
    });

    it('drops the data record of a study that overwrite replaces', () => {
      const s = fresh();
      const old = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      s.recordData(old.id, dataRecord('d', 'ab'), false);
      const replaced = s.openStudy('s', { ...SPACE, seed: 2 }, 'val_accuracy', 'max', true);
      assert.equal(s.studyData(replaced.id), undefined);
      assert.equal(s.studyData(old.id), undefined);
    });

    it('numbers trials 1, 2, 3 within each study, starting running with their values', () => {
      const s = fresh();
      const a = s.openStudy('a', SPACE, 'val_accuracy', 'max', false);
      const b = s.openStudy('b', SPACE, 'val_accuracy', 'max', false);
      const made = [
        s.createTrial(a.id, { lr: 1 }),
        s.createTrial(b.id, { lr: 2 }),
        s.createTrial(a.id, { lr: 3, act: 'relu', bn: true }),
        s.createTrial(a.id, {}),
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
        s.trials(a.id).map((x) => x.values),
        [{ lr: 1 }, { lr: 3, act: 'relu', bn: true }, {}],
      );
      assert.deepEqual(s.trial(a.id, 2), t);
      assert.equal(s.trial(a.id, 4), undefined);
    });

    it('completes a running trial with its score, best epoch and seconds', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = s.createTrial(study.id, { lr: 0.01 });
      const done = s.completeTrial(t.id, 0.875, 7, 12.5);
      assert.deepEqual([done.status, done.score, done.bestEpoch, done.seconds, done.error], ['complete', 0.875, 7, 12.5, null]);
      assert.ok(done.finishedAt !== null && done.finishedAt >= done.startedAt);
      assert.deepEqual(s.trial(study.id, 1), done);
    });

    it('fails a running trial with its error message', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = s.createTrial(study.id, { lr: 0.01 });
      const failed = s.failTrial(t.id, 'out of memory', 3);
      assert.deepEqual([failed.status, failed.error, failed.seconds, failed.score], ['failed', 'out of memory', 3, null]);
      assert.notEqual(failed.finishedAt, null);
    });

    it('throws when completing or failing a trial that is not running', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const complete = s.completeTrial(s.createTrial(study.id, {}).id, 0.5, 1, 1);
      const failed = s.failTrial(s.createTrial(study.id, {}).id, 'boom', 1);
      const interrupted = s.createTrial(study.id, {});
      s.interruptRunning(study.id);
      for (const t of [complete, failed, interrupted]) {
        assert.throws(() => s.completeTrial(t.id, 0.9, 1, 1), /not running|only a running/);
        assert.throws(() => s.failTrial(t.id, 'again', 1), /not running|only a running/);
      }
      assert.deepEqual(
        s.trials(study.id).map((t) => [t.status, t.score, t.error]),
        [
          ['complete', 0.5, null],
          ['failed', null, 'boom'],
          ['interrupted', null, null],
        ],
      );
    });

    it('interrupts only the running trials of the study, drops their epochs, and counts them', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const other = s.openStudy('other', SPACE, 'val_accuracy', 'max', false);
      const running = s.createTrial(study.id, {});
      s.createTrial(study.id, {});
      const done = s.completeTrial(s.createTrial(study.id, {}).id, 0.5, 1, 1);
      const elsewhere = s.createTrial(other.id, {});
      for (const t of [running, done, elsewhere]) s.recordEpoch(t.id, 1, 1, metrics(0.5));
      assert.equal(s.interruptRunning(study.id), 2);
      assert.deepEqual(
        s.trials(study.id).map((t) => t.status),
        ['interrupted', 'interrupted', 'complete'],
      );
      assert.equal(s.trial(other.id, 1)!.status, 'running');
      assert.deepEqual(s.epochs(running.id), []);
      assert.equal(s.epochs(done.id).length, 1);
      assert.equal(s.epochs(elsewhere.id).length, 1);
      assert.equal(s.interruptRunning(study.id), 0);
    });

    it('restarts an interrupted trial with its number and values, and refuses any other', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = s.createTrial(study.id, { lr: 0.5 });
      s.recordEpoch(t.id, 1, 1, metrics(0.5));
      assert.throws(() => s.restartTrial(t.id), /running/);
      s.interruptRunning(study.id);
      const again = s.restartTrial(t.id);
      assert.deepEqual([again.id, again.number, again.status, again.values, again.finishedAt], [t.id, 1, 'running', { lr: 0.5 }, null]);
      assert.deepEqual(s.epochs(t.id), []);
      s.completeTrial(t.id, 0.5, 1, 1);
      assert.throws(() => s.restartTrial(t.id), /complete/);
      assert.equal(s.createTrial(study.id, {}).number, 2);
    });

    it('retries a running trial from scratch, and refuses a trial that is not running', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = s.createTrial(study.id, { lr: 0.1 });
      s.recordEpoch(t.id, 1, 1, metrics(0.4));
      s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.from([1]) }] });
      const again = s.retryTrial(t.id);
      assert.deepEqual([again.id, again.number, again.status, again.values], [t.id, 1, 'running', { lr: 0.1 }]);
      assert.deepEqual(s.epochs(t.id), []);
      assert.equal(s.loadWeights(t.id), undefined);
      s.failTrial(t.id, 'boom', 1);
      assert.throws(() => s.retryTrial(t.id), /failed/);
    });

    it('returns epochs ordered by execution then epoch, metrics intact (NaN too)', () => {
      const s = fresh();
      const t = s.createTrial(s.openStudy('s', SPACE, 'val_accuracy', 'max', false).id, {});
      for (const [execution, epoch] of [
        [2, 1],
        [1, 2],
        [2, 2],
        [1, 1],
        [1, 10],
      ] as const)
        s.recordEpoch(t.id, execution, epoch, metrics(execution / 10 + epoch / 100));
      s.recordEpoch(t.id, 3, 1, { loss: Number.NaN, accuracy: 0.25, val_loss: Number.NaN, val_accuracy: 0.5 });
      const got = s.epochs(t.id);
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
      assert.throws(() => s.recordEpoch(t.id, 1, 1, metrics(0)), 'an epoch is recorded once');
    });

    it('round-trips weights exactly, shapes and float32 values, and replaces them on save', () => {
      const s = fresh();
      const t = s.createTrial(s.openStudy('s', SPACE, 'val_accuracy', 'max', false).id, {});
      assert.equal(s.loadWeights(t.id), undefined);
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
      s.saveWeights(t.id, weights);
      const got = s.loadWeights(t.id)!;
      assert.deepEqual(
        got.tensors.map((x) => x.shape),
        [[3, 4], [4], [], [0, 5], [2]],
      );
      got.tensors.forEach((x, i) => {
        assert.ok(x.values instanceof Float32Array);
        assert.notEqual(x.values, weights.tensors[i]!.values);
        assert.deepEqual(Array.from(x.values), Array.from(weights.tensors[i]!.values), `tensor ${i}`);
      });
      s.saveWeights(t.id, { tensors: [{ shape: [1], values: Float32Array.of(7) }] });
      assert.deepEqual(s.loadWeights(t.id), { tensors: [{ shape: [1], values: Float32Array.of(7) }] });
    });

    for (const [direction, scores, kept] of [
      ['max', [0.5, 0.9, 0.1, 0.7, 0.9], [2, 4, 5]],
      ['min', [0.5, 0.9, 0.1, 0.7, 0.1], [1, 3, 5]],
    ] as const) {
      it(`prunes weights to the best 3 complete trials when ${direction} is better`, () => {
        const { s, study, trials } = scored(direction, [...scores]);
        const failed = s.createTrial(study.id, {});
        s.saveWeights(failed.id, { tensors: [] });
        s.failTrial(failed.id, 'boom', 1);
        s.pruneWeights(study.id, 3);
        const withWeights = [...trials, failed].filter((t) => s.loadWeights(t.id) !== undefined).map((t) => t.number);
        assert.deepEqual(withWeights, kept);
        assert.deepEqual(Array.from(s.loadWeights(trials[kept[0]! - 1]!.id)!.tensors[0]!.values), [kept[0]! - 1]);
        s.pruneWeights(study.id, 0);
        assert.deepEqual(
          trials.filter((t) => s.loadWeights(t.id) !== undefined),
          [],
        );
      });
    }

    it('marks a running trial invalid or stopped with its reason, and restarts a stopped one', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const bad = s.invalidTrial(s.createTrial(study.id, { lr: 2 }).id, 'a dropout rate must be in [0, 1), got 2');
      assert.deepEqual([bad.status, bad.error, bad.score], ['invalid', 'a dropout rate must be in [0, 1), got 2', null]);
      const t = s.createTrial(study.id, { lr: 0.1 });
      s.recordEpoch(t.id, 1, 1, metrics(0.4));
      const stopped = s.stopTrial(t.id, 'stopped: the run ended', 3);
      assert.deepEqual([stopped.status, stopped.error, stopped.seconds], ['stopped', 'stopped: the run ended', 3]);
      assert.equal(s.epochs(t.id).length, 1, 'a stopped trial keeps its epochs until it runs again');
      assert.throws(() => s.restartTrial(bad.id), /invalid/);
      const again = s.restartTrial(t.id);
      assert.deepEqual([again.status, again.number, again.error, s.epochs(t.id).length], ['running', 2, null, 0]);
      assert.throws(() => s.stopTrial(bad.id, 'x', 0), /invalid/);
    });

    it('stores a trial’s Hyperband schedule with it', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const schedule = { iteration: 0, bracket: 2, round: 1, initialEpoch: 2, epochs: 4, parent: 1 };
      assert.equal(s.createTrial(study.id, { lr: 0.1 }).schedule, null);
      const t = s.createTrial(study.id, { lr: 0.1 }, schedule);
      assert.deepEqual(t.schedule, schedule);
      assert.deepEqual(s.trial(study.id, 2)!.schedule, schedule);
    });

    it('round-trips checkpoints per execution, and keeps only the trials asked for', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
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
      const [a, b, c] = [1, 2, 3].map((i) => s.createTrial(study.id, { lr: i / 10 }));
      s.saveCheckpoint(a!.id, 1, checkpoint(1));
      s.saveCheckpoint(a!.id, 2, checkpoint(2));
      s.saveCheckpoint(b!.id, 1, checkpoint(3));
      s.saveCheckpoint(c!.id, 1, checkpoint(4));
      assert.deepEqual(s.loadCheckpoint(a!.id, 2), checkpoint(2));
      s.saveCheckpoint(a!.id, 2, checkpoint(5));
      assert.deepEqual(s.loadCheckpoint(a!.id, 2), checkpoint(5));
      assert.equal(s.loadCheckpoint(a!.id, 3), undefined);
      s.keepCheckpoints(study.id, [1, 3]);
      assert.deepEqual([s.loadCheckpoint(a!.id, 1), s.loadCheckpoint(b!.id, 1), s.loadCheckpoint(c!.id, 1)], [checkpoint(1), undefined, checkpoint(4)]);
      s.keepCheckpoints(study.id, []);
      assert.equal(s.loadCheckpoint(c!.id, 1), undefined);
    });

    it('creates within a limit that counts complete, running, interrupted and stopped trials, not failed ones', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const a = s.createTrialWithin(study.id, { lr: 1 }, 3);
      assert.ok(typeof a === 'object');
      s.failTrial(a.id, 'boom', 1);
      const b = s.createTrialWithin(study.id, { lr: 2 }, 3) as TrialRecord;
      s.completeTrial(b.id, 0.5, 1, 1);
      s.createTrialWithin(study.id, { lr: 3 }, 3);
      s.interruptRunning(study.id);
      s.createTrialWithin(study.id, { lr: 4 }, 3);
      assert.equal(s.createTrialWithin(study.id, { lr: 5 }, 3), 'limit');
      assert.deepEqual(
        s.trials(study.id).map((t) => t.status),
        ['failed', 'complete', 'interrupted', 'running'],
      );
    });

    it('refuses values another trial already has, and a second promotion of one parent', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const first = s.createTrialWithin(study.id, { lr: 1 }, 10) as TrialRecord;
      assert.equal(s.createTrialWithin(study.id, { lr: 1 }, 10), 'taken');
      const promote = { iteration: 0, bracket: 1, round: 1, initialEpoch: 1, epochs: 3, parent: first.number };
      assert.equal((s.createTrialWithin(study.id, { lr: 1 }, 10, promote) as TrialRecord).number, 2);
      assert.equal(s.createTrialWithin(study.id, { lr: 1 }, 10, promote), 'taken');
    });

    it('claims interrupted trials lowest number first, each once, as the next attempt with its history', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      [1, 2, 3].forEach((i) => s.createTrial(study.id, { lr: i }));
      s.interruptRunning(study.id);
      const other = open(reopen(s));
      const one = s.claimInterrupted(study.id)!;
      const two = other.claimInterrupted(study.id)!;
      assert.deepEqual([one.number, two.number, one.attempt, one.status], [1, 2, 2, 'running']);
      assert.deepEqual(
        s.attempts(one.id).map((a) => [a.attempt, a.outcome]),
        [[1, 'interrupted']],
      );
      assert.equal(s.claimInterrupted(study.id)!.number, 3);
      assert.equal(other.claimInterrupted(study.id), undefined);
    });

    it('keeps a retried attempt as history with its error', () => {
      const s = fresh();
      const study = s.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const t = s.retryTrial(s.createTrial(study.id, { lr: 1 }).id, 'loss became NaN at epoch 2');
      assert.equal(t.attempt, 2);
      assert.deepEqual(
        s.attempts(t.id).map((a) => [a.attempt, a.outcome, a.error]),
        [[1, 'retried', 'loss became NaN at epoch 2']],
      );
    });

    it('interrupts only its own running trials, and takes over another handle’s once its heartbeat is stale', async () => {
      const a = fresh();
      const study = a.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const b = open(reopen(a));
      const mine = a.createTrial(study.id, { lr: 1 });
      a.recordEpoch(mine.id, 1, 1, metrics(0.3));
      assert.equal(b.interruptRunning(study.id), 0);
      assert.equal(b.recoverStale(study.id, 60_000), 0, 'a live handle with a fresh heartbeat keeps its trial');
      await new Promise((resolve) => setTimeout(resolve, 30));
      a.heartbeat();
      assert.equal(b.recoverStale(study.id, 20), 0, 'the heartbeat just now keeps it alive');
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(b.recoverStale(study.id, 20), 1);
      const t = b.trial(study.id, 1)!;
      assert.deepEqual([t.status, b.epochs(t.id).length], ['interrupted', 0]);
      assert.deepEqual(
        b.attempts(t.id).map((x) => x.outcome),
        ['crashed'],
      );
      assert.equal(b.claimInterrupted(study.id)!.attempt, 2);
    });

    it('keeps everything after the store is closed and reopened', () => {
      const { s, study } = scored('max', [0.25, 0.75]);
      s.recordEpoch(s.createTrial(study.id, { lr: 0.3 }).id, 1, 1, metrics(0.4));
      const before = {
        studies: s.listStudies(),
        trials: s.trials(study.id),
        epochs: s.epochs(s.trial(study.id, 3)!.id),
        weights: s.loadWeights(s.trial(study.id, 2)!.id),
      };
      s.close();
      const r = open(reopen(s));
      const after = {
        studies: r.listStudies(),
        trials: r.trials(study.id),
        epochs: r.epochs(r.trial(study.id, 3)!.id),
        weights: r.loadWeights(r.trial(study.id, 2)!.id),
      };
      assert.equal(after.trials.length, 3);
      assert.deepEqual(after, before);
      assert.equal(r.createTrial(study.id, {}).number, 4);
    });

    it('lets a second handle read what the first writes while both are open', () => {
      const writer = fresh();
      const study = writer.openStudy('s', SPACE, 'val_accuracy', 'max', false);
      const reader = open(reopen(writer));
      const t = writer.createTrial(study.id, { lr: 0.1 });
      writer.recordEpoch(t.id, 1, 1, metrics(0.3));
      assert.equal(reader.trial(study.id, 1)!.status, 'running');
      assert.equal(reader.epochs(t.id).length, 1);
      writer.completeTrial(t.id, 0.6, 1, 2);
      assert.equal(reader.trial(study.id, 1)!.score, 0.6);
      assert.equal(reader.createTrial(study.id, {}).number, 2);
      assert.deepEqual(
        writer.trials(study.id).map((x) => x.status),
        ['complete', 'running'],
      );
    });
  });
}

storageContract(
  'SqliteStorage (a file in a temporary folder)',
  () => SqliteStorage.open(join(tempDir('tune-storage-'), 'tune.db')),
  (storage) => SqliteStorage.open((storage as SqliteStorage).path),
);
