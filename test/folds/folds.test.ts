import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { assignFolds, studyFolds } from '../../src/folds/assign-folds.js';
import { checkFoldClasses, checkFolds } from '../../src/folds/check-folds.js';
import { foldHooks, joinSplits, memberPlace } from '../../src/folds/fold-data.js';
import { summarizeFolds } from '../../src/folds/fold-summary.js';
import { InputError } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';

/** 103 rows of three classes in shuffled order, 60 / 30 / 13 of them. */
function labelsOf(seed: number): Int32Array {
  const labels = [...Array<number>(60).fill(0), ...Array<number>(30).fill(1), ...Array<number>(13).fill(2)];
  return Int32Array.from(new Rng(seed).shuffle(labels));
}

describe('folds', () => {
  it('are disjoint, cover every row once, and differ in size by at most one, plain or stratified', () => {
    const labels = labelsOf(1);
    for (const stratified of [false, true]) {
      for (const k of [2, 5, 13]) {
        const { folds } = studyFolds(labels, k, stratified, 3);
        assert.equal(folds.length, k);
        const seen = new Int32Array(labels.length);
        for (const f of folds) {
          assert.equal(f.count, f.rows.length);
          for (let i = 1; i < f.rows.length; i++) assert.ok(f.rows[i]! > f.rows[i - 1]!, 'ascending');
          for (const r of f.rows) seen[r]!++;
        }
        assert.ok(
          seen.every((n) => n === 1),
          `every row in exactly one fold (k ${k}, stratified ${stratified})`,
        );
        const sizes = folds.map((f) => f.count);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes.join(' ')}`);
      }
    }
  });

  it('keep each class’s share in every fold when stratified (within one row), which plain folds do not', () => {
    const labels = labelsOf(2);
    const spread = (stratified: boolean): number => {
      let worst = 0;
      const { folds } = studyFolds(labels, 5, stratified, 11);
      for (const c of [0, 1, 2]) {
        const counts = folds.map((f) => Array.from(f.rows).filter((r) => labels[r] === c).length);
        worst = Math.max(worst, Math.max(...counts) - Math.min(...counts));
      }
      return worst;
    };
    assert.ok(spread(true) <= 1, `stratified: ${spread(true)}`);
    assert.ok(spread(false) > 1, `plain folds of random rows spread more: ${spread(false)}`);
  });

  it('are the same for the same seed, and others for another seed', () => {
    const labels = labelsOf(3);
    assert.deepEqual(assignFolds(labels, 5, true, 4), assignFolds(labels, 5, true, 4));
    assert.notDeepEqual(assignFolds(labels, 5, true, 4), assignFolds(labels, 5, true, 5));
    assert.notDeepEqual(assignFolds(labels, 5, false, 4), assignFolds(labels, 5, true, 4));
  });

  it('digest each fold’s rows as sha256 of their decimal indices joined by commas', () => {
    const f = studyFolds(labelsOf(4), 3, true, 0).folds[1]!;
    assert.equal(f.sha256, createHash('sha256').update(Array.from(f.rows).join(',')).digest('hex'));
  });

  it('refuse more folds than rows, or than a class’s rows when stratified, naming the class', () => {
    const labels = labelsOf(5);
    const names = ['shirt', 't-shirt', 'coat'];
    assert.doesNotThrow(() => checkFolds('s.json', { folds: 13, stratified: true }, labels, names));
    const err = (folds: number, stratified: boolean): string => {
      try {
        checkFolds('s.json', { folds, stratified }, labels, names);
      } catch (e) {
        assert.ok(e instanceof InputError);
        return e.message;
      }
      return 'accepted';
    };
    assert.equal(
      err(14, true),
      's.json: tuner.cross_validation.folds: must be at most 13, the rows of class "coat" in train and valid ' + '(stratified folds hold every class), got 14',
    );
    assert.equal(err(14, false), 'accepted');
    assert.equal(err(104, false), 's.json: tuner.cross_validation.folds: must be at most 103, the rows of train and valid together, got 104');
  });
});

describe('fold data', () => {
  it('joins train then valid, and weighs each fold’s own rows 0 when it is held out', () => {
    const train = { data: Float32Array.of(1, 2, 3, 4), labels: Int32Array.of(0, 1), rows: 2, dim: 2 };
    const valid = { data: Float32Array.of(5, 6), labels: Int32Array.of(1), rows: 1, dim: 2 };
    const joined = joinSplits(train, valid);
    assert.deepEqual([...joined.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...joined.labels], [0, 1, 1]);
    assert.ok(joined.data.buffer instanceof SharedArrayBuffer);
    const folds = studyFolds(joined.labels, 3, false, 0);
    const hooks = foldHooks(folds, 3);
    for (const [i, f] of folds.folds.entries()) {
      assert.deepEqual([...hooks.validRows[i]!], [...f.rows]);
      assert.deepEqual(
        [...hooks.trainWeights[i]!],
        [0, 1, 2].map((r) => (f.rows.includes(r) ? 0 : 1)),
      );
    }
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((m) => memberPlace(m, 3)),
      [1, 2, 3, 1, 2, 3].map((fold, m) => ({ execution: m < 3 ? 1 : 2, fold })),
    );
  });

  it('sums a trial up as the mean over folds of each fold’s mean over executions, with numpy’s standard deviation', () => {
    const s = summarizeFolds([
      { execution: 1, fold: 2, score: 0.6, bestEpoch: 1 },
      { execution: 1, fold: 1, score: 0.8, bestEpoch: 2 },
      { execution: 2, fold: 1, score: 0.6, bestEpoch: 3 },
      { execution: 2, fold: 2, score: 0.4, bestEpoch: 1 },
    ])!;
    assert.deepEqual(
      s.folds.map((f) => [f.fold, Number(f.score.toFixed(12))]),
      [
        [1, 0.7],
        [2, 0.5],
      ],
    );
    assert.ok(Math.abs(s.mean - 0.6) < 1e-12);
    assert.ok(Math.abs(s.std - 0.1) < 1e-12);
    assert.equal(summarizeFolds([]), undefined);
  });
});

describe('checkFoldClasses: plain folds that an AUC objective cannot score', () => {
  const labels = Int32Array.from([0, 0, 1, 1]);
  const recorded = (...folds: number[][]) => ({
    recorded: {
      seed: 1,
      stratified: false,
      folds: folds.map((rows, i) => ({ fold: i + 1, count: rows.length, sha256: '', rows: Int32Array.from(rows) })),
    },
  });
  const cv = { folds: 2, stratified: false };

  it('refuses recorded folds of which one holds a single class, naming it and the record', () => {
    assert.throws(
      () => checkFoldClasses('space.json', cv, labels, ['cat', 'dog'], recorded([0, 1], [2, 3]), ['val_auc']),
      (err: unknown) =>
        err instanceof InputError &&
        err.where === 'tuner.cross_validation.stratified' &&
        /fold 1 of 2 \(as the study recorded them\) holds only class "cat", where val_auc has no value; got false/.test(err.what),
    );
  });

  it('passes folds that each hold both classes, any fold when the metric needs one class only, and stratified folds', () => {
    checkFoldClasses('space.json', cv, labels, ['cat', 'dog'], recorded([0, 2], [1, 3]), ['val_auc']);
    checkFoldClasses('space.json', cv, labels, ['cat', 'dog'], recorded([0, 1], [2, 3]), ['val_accuracy', undefined]);
    checkFoldClasses('space.json', { folds: 2, stratified: true }, labels, ['cat', 'dog'], recorded([0, 1], [2, 3]), ['val_auc']);
  });

  it('draws from the seed when nothing is recorded, as the run will', () => {
    const many = Int32Array.from({ length: 40 }, (_, i) => i % 2);
    // 20 folds of 2 rows: some seed's draw puts two rows of one class together.
    const seeds = Array.from({ length: 20 }, (_, s) => s);
    const refused = seeds.filter((seed) => {
      try {
        checkFoldClasses('space.json', { folds: 20, stratified: false }, many, ['a', 'b'], { seed }, ['val_auc']);
        return false;
      } catch (err) {
        assert.ok(err instanceof InputError && /\(seed \d+\)/.test(err.what), String(err));
        return true;
      }
    });
    assert.ok(refused.length > 0, 'no seed drew a fold of one class');
    // The refusal follows the draw: a fold of one class in assignFolds' own output.
    for (const seed of refused) {
      const fold = assignFolds(many, 20, false, seed);
      const lonely = Array.from({ length: 20 }, (_, f) => new Set([...many].filter((_, r) => fold[r] === f)).size < 2);
      assert.ok(lonely.includes(true), `seed ${seed}`);
    }
  });
});
