import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { readFeatures } from '../../src/data/read-features.js';
import { ROOT, tempDir, trialsOf, tune } from '../helpers/tune.js';

/*
 * k-fold cross-validation end to end on the demo features (hdf5_data/, as `npm run demo-data`
 * writes them): the folds are read back from the study's SQLite file as any program would.
 */

const DEMO = join(ROOT, 'hdf5_data');
const FOLDS = 5;

interface FoldRow {
  fold: number;
  seed: number;
  stratified: number;
  row_count: number;
  sha256: string;
  rows: Buffer;
}

interface Shown {
  score: number;
  epochs: { execution: number; fold: number; epoch: number; metrics: { accuracy: number; val_accuracy: number } }[];
  cross_validation: { k: number; folds: { fold: number; score: number }[]; mean: number; std: number };
}

/** The seed's space on the demo features, cross-validated. */
function demoSpace(dir: string, tuner: Record<string, unknown> = {}, cv: unknown = { folds: FOLDS, stratified: true }): string {
  const seed = JSON.parse(readFileSync(join(ROOT, 'search-spaces', 'gender.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  const space = {
    ...seed,
    name: 'cv',
    data: { train: join(DEMO, 'train.hdf5'), valid: join(DEMO, 'valid.hdf5'), test: join(DEMO, 'test.hdf5') },
    tuner: { ...seed['tuner'], oracle: 'random', max_trials: 2, epochs: 2, executions_per_trial: 2, cross_validation: cv, ...tuner },
  };
  const path = join(dir, 'space.json');
  writeFileSync(path, JSON.stringify(space));
  return path;
}

function foldRows(db: string): FoldRow[] {
  const raw = new Database(db, { readonly: true });
  try {
    return raw.prepare(`SELECT fold, seed, stratified, row_count, sha256, rows FROM study_folds ORDER BY fold`).all() as FoldRow[];
  } finally {
    raw.close();
  }
}

function foldScores(db: string, number: number): { execution: number; fold: number; score: number }[] {
  const raw = new Database(db, { readonly: true });
  try {
    return raw
      .prepare(`SELECT f.execution, f.fold, f.score FROM fold_scores f JOIN trials t ON t.id = f.trial_id WHERE t.number = ? ORDER BY f.fold, f.execution`)
      .all(number) as { execution: number; fold: number; score: number }[];
  } finally {
    raw.close();
  }
}

const indices = (row: FoldRow): number[] => Array.from({ length: row.rows.length / 4 }, (_, i) => row.rows.readInt32LE(i * 4));

describe('tune run with cross_validation (5 folds on the demo features)', () => {
  const dir = tempDir();
  const space = demoSpace(dir);
  const db = join(dir, 'trials.db');
  const run = tune(['run', space, '--db', db, '--seed', '3'], dir);

  it('records folds that are disjoint, cover train+valid and keep each class’s share, with counts and digests that check out', async () => {
    assert.equal(run.code, 0, run.stderr);
    const train = await readFeatures(join(DEMO, 'train.hdf5'));
    const valid = await readFeatures(join(DEMO, 'valid.hdf5'));
    const labels = [...train.labels, ...valid.labels];
    const rows = foldRows(db);
    assert.equal(rows.length, FOLDS);
    const seen = new Map<number, number>();
    for (const r of rows) {
      const own = indices(r);
      assert.equal(r.row_count, own.length);
      assert.equal(r.sha256, createHash('sha256').update(own.join(',')).digest('hex'), `fold ${r.fold}: its digest`);
      assert.equal(r.seed, 3);
      assert.equal(r.stratified, 1);
      for (const i of own) {
        assert.ok(!seen.has(i), `row ${i} is in folds ${seen.get(i)} and ${r.fold}`);
        seen.set(i, r.fold);
      }
      // The demo splits are balanced, 1170 rows of each class in train+valid: 234 of each per fold.
      assert.equal(own.filter((i) => labels[i] === 1).length, own.length / 2, `fold ${r.fold} keeps the classes' shares`);
    }
    assert.equal(seen.size, train.rows + valid.rows, 'the folds cover train+valid');
    assert.deepEqual(
      [...seen.keys()].sort((a, b) => a - b),
      labels.map((_, i) => i),
    );
  });

  it('scores each trial as the mean of its stored fold scores; tune show gives them with their mean and standard deviation', () => {
    assert.equal(run.code, 0, run.stderr);
    const trials = trialsOf(dir);
    assert.equal(trials.length, 2);
    const heldOut = new Map(foldRows(db).map((r) => [r.fold, r.row_count]));
    for (const t of trials) {
      assert.equal(t.status, 'complete');
      const stored = foldScores(db, t.number);
      assert.equal(stored.length, 2 * FOLDS, 'one score per execution x fold');
      const mean = stored.reduce((s, f) => s + f.score, 0) / stored.length;
      assert.ok(Math.abs(t.score! - mean) < 1e-12, `trial ${t.number}: score ${t.score} against the folds' mean ${mean}`);
      const shown = JSON.parse(tune(['show', String(t.number), '--json', '--db', db], dir).stdout) as Shown;
      const cv = shown.cross_validation;
      assert.equal(cv.k, FOLDS);
      const perFold = [1, 2, 3, 4, 5].map((f) => stored.filter((s) => s.fold === f).reduce((s, x) => s + x.score, 0) / 2);
      assert.deepEqual(
        cv.folds.map((f) => f.fold),
        [1, 2, 3, 4, 5],
      );
      cv.folds.forEach((f, i) => assert.ok(Math.abs(f.score - perFold[i]!) < 1e-12));
      const std = Math.sqrt(perFold.reduce((s, x) => s + (x - mean) ** 2, 0) / FOLDS);
      assert.ok(Math.abs(cv.mean - mean) < 1e-12 && Math.abs(cv.std - std) < 1e-12, JSON.stringify(cv));
      // Each member validates on its held-out fold alone, and trains on the other four.
      for (const e of shown.epochs) {
        const held = heldOut.get(e.fold)!;
        const correct = e.metrics.val_accuracy * held;
        assert.ok(Math.abs(correct - Math.round(correct)) < 1e-6, `val_accuracy ${e.metrics.val_accuracy} is a share of the ${held} held-out rows`);
        const trained = e.metrics.accuracy * (2340 - held);
        assert.ok(Math.abs(trained - Math.round(trained)) < 1e-6, `accuracy ${e.metrics.accuracy} is a share of the ${2340 - held} training rows`);
      }
      for (const s of stored) {
        const best = Math.max(...shown.epochs.filter((e) => e.fold === s.fold && e.execution === s.execution).map((e) => e.metrics.val_accuracy));
        assert.equal(s.score, best, `execution ${s.execution} fold ${s.fold}: its best epoch`);
      }
    }
    const text = tune(['show', '1', '--db', db], dir).stdout;
    assert.match(text, /^cross-validation: 5 folds, mean 0\.\d{4}, std 0\.\d{4}$/m);
    assert.match(text, /^ {2}fold 5: 0\.\d{4} \(execution 1 0\.\d{4} at epoch \d, execution 2 0\.\d{4} at epoch \d\)$/m);
    assert.match(text, /^exec {2}fold {2}epoch/m);
  });

  it('draws the same folds from the same seed in another database, and others from another seed', () => {
    assert.equal(run.code, 0, run.stderr);
    const digests = (seed: string): string[] => {
      const other = tempDir();
      const again = tune(['run', demoSpace(other, { max_trials: 1, epochs: 1, executions_per_trial: 1 }), '--seed', seed], other);
      assert.equal(again.code, 0, again.stderr);
      return foldRows(join(other, 'trials.db')).map((r) => r.sha256);
    };
    const first = foldRows(db).map((r) => r.sha256);
    assert.deepEqual(digests('3'), first);
    assert.notDeepEqual(digests('4'), first);
  });

  it('exports the best member’s weights, which tune best tests on the untouched test split', () => {
    assert.equal(run.code, 0, run.stderr);
    const best = tune(['best', '--json', '--db', db, '--export', join(dir, 'model.json')], dir);
    assert.equal(best.code, 0, best.stderr);
    assert.ok(existsSync(join(dir, 'model.json')));
    const shown = JSON.parse(best.stdout) as { trial: number; test: { accuracy: number }; cross_validation: Shown['cross_validation'] };
    assert.ok(shown.test.accuracy > 0.6, JSON.stringify(shown.test));
    // The best trial's folds, their mean and spread, as tune show gives them.
    const same = JSON.parse(tune(['show', String(shown.trial), '--json', '--db', db], dir).stdout) as Shown;
    assert.deepEqual(shown.cross_validation, same.cross_validation);
    assert.equal(shown.cross_validation.folds.length, FOLDS);
    const text = tune(['best', '--db', db], dir).stdout;
    assert.match(text, /^cross-validation: 5 folds, mean 0\.\d{4}, std 0\.\d{4}$/m);
  });
});

describe('tune run with cross_validation and Hyperband', () => {
  it('continues each promoted member from its own fold’s checkpoint', () => {
    const dir = tempDir();
    const run = tune(['run', demoSpace(dir, { oracle: 'hyperband', max_epochs: 3, factor: 3, executions_per_trial: 1, max_trials: 20 }, { folds: 3 })], dir);
    assert.equal(run.code, 0, run.stderr);
    const trials = trialsOf(dir);
    const promoted = trials.find((t) => t.schedule?.parent !== undefined && t.status === 'complete');
    assert.ok(promoted, JSON.stringify(trials.map((t) => [t.number, t.status, t.schedule])));
    const shown = JSON.parse(tune(['show', String(promoted.number), '--json'], dir).stdout) as Shown;
    assert.deepEqual([...new Set(shown.epochs.map((e) => e.fold))], [1, 2, 3]);
    assert.ok(shown.epochs.every((e) => e.epoch > promoted.schedule!.initialEpoch));
  });
});

describe('tune run with cross_validation on either engine, and with a pruner', () => {
  it('gives the same fold scores on the native and the tfjs engine (within float rounding)', () => {
    const scores = (engine: string): { execution: number; fold: number; score: number }[] => {
      const dir = tempDir();
      const run = tune(['run', demoSpace(dir, { max_trials: 1, epochs: 2, executions_per_trial: 1 }, { folds: 3 }), '--engine', engine], dir);
      assert.equal(run.code, 0, run.stderr);
      return foldScores(join(dir, 'trials.db'), 1);
    };
    const native = scores('native');
    const tfjs = scores('tfjs');
    assert.equal(native.length, 3);
    native.forEach((n, i) => assert.ok(Math.abs(n.score - tfjs[i]!.score) < 2e-3, `fold ${n.fold}: ${n.score} native, ${tfjs[i]!.score} tfjs`));
  });

  it('judges a trial on the mean over all its members, and a pruned trial keeps its fold scores so far', () => {
    const dir = tempDir();
    const pruner = { kind: 'asha', min_resource: 1, reduction_factor: 3 };
    const run = tune(['run', demoSpace(dir, { max_trials: 6, epochs: 3, executions_per_trial: 1, pruner }, { folds: 2 })], dir);
    assert.equal(run.code, 0, run.stderr);
    const trials = trialsOf(dir);
    const pruned = trials.filter((t) => t.status === 'pruned');
    assert.ok(pruned.length > 0, JSON.stringify(trials.map((t) => [t.number, t.status])));
    for (const t of pruned) {
      const stored = foldScores(join(dir, 'trials.db'), t.number);
      assert.equal(stored.length, 2);
      assert.ok(Math.abs(t.score! - (stored[0]!.score + stored[1]!.score) / 2) < 1e-12);
      const shown = JSON.parse(tune(['show', String(t.number), '--json'], dir).stdout) as Shown;
      const last = Math.max(...shown.epochs.map((e) => e.epoch));
      assert.deepEqual(
        [1, 2].map((f) => shown.epochs.filter((e) => e.fold === f).length),
        [last, last],
        'both folds stop at the epoch it was pruned at',
      );
    }
  });
});

describe('cross_validation bad input: one line, exit 2', () => {
  const cases: { name: string; cv: unknown; stderr: RegExp }[] = [
    { name: 'one fold', cv: { folds: 1 }, stderr: /^tune: .*space\.json: tuner\.cross_validation\.folds: must be a whole number >= 2, got 1\n$/ },
    {
      name: 'an unknown key',
      cv: { folds: 3, shuffle: true },
      stderr: /^tune: .*space\.json: tuner\.cross_validation: unknown key "shuffle" \(allowed: folds, stratified\)\n$/,
    },
    { name: 'a number for the section', cv: 5, stderr: /^tune: .*space\.json: tuner\.cross_validation: must be an object, got 5\n$/ },
    {
      name: 'a stratified that is not a boolean',
      cv: { stratified: 'yes' },
      stderr: /^tune: .*space\.json: tuner\.cross_validation\.stratified: must be true or false, got "yes"\n$/,
    },
    {
      name: 'more stratified folds than a class has rows',
      cv: { folds: 1171, stratified: true },
      stderr: /^tune: .*space\.json: tuner\.cross_validation\.folds: must be at most 1170, the rows of class "shirt" in train and valid .*got 1171\n$/,
    },
    {
      name: 'more folds than rows',
      cv: { folds: 2341, stratified: false },
      stderr: /^tune: .*space\.json: tuner\.cross_validation\.folds: must be at most 2340, the rows of train and valid together, got 2341\n$/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const dir = tempDir();
      const run = tune(['run', demoSpace(dir, {}, c.cv)], dir);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, c.stderr);
      assert.equal(existsSync(join(dir, 'trials.db')), false, 'nothing written');
    });
  }
});

describe('cross_validation with an AUC objective: a plain fold of one class is refused before anything is written', () => {
  /** The demo space with val_auc recorded and as its objective. */
  const aucSpace = (dir: string, cv: unknown, tuner: Record<string, unknown> = {}): string => {
    const path = demoSpace(dir, { objective: 'val_auc', ...tuner }, cv);
    const space = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown>>;
    space['compile'] = { ...space['compile'], metrics: ['accuracy', 'auc'] };
    writeFileSync(path, JSON.stringify(space));
    return path;
  };

  it('1170 plain folds of 2 rows: one holds a single class, so val_auc would have no value there', () => {
    const dir = tempDir();
    const run = tune(['run', aucSpace(dir, { folds: 1170, stratified: false })], dir);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        '^tune: .*space\\.json: tuner\\.cross_validation\\.stratified: must be true for val_auc: ' +
          'fold \\d+ of 1170 \\(seed \\d+\\) holds only class "(shirt|t-shirt)", where val_auc has no value; got false\n$',
      ),
    );
    assert.equal(existsSync(join(dir, 'trials.db')), false, 'nothing written');
  });

  it('5 plain folds each hold both classes: the study runs, and every fold has its AUC', () => {
    const dir = tempDir();
    const run = tune(['run', aucSpace(dir, { folds: FOLDS, stratified: false }, { max_trials: 1, epochs: 1, executions_per_trial: 1 })], dir);
    assert.equal(run.code, 0, run.stderr);
    const [trial] = trialsOf(dir);
    assert.equal(trial?.status, 'complete');
    const scores = foldScores(join(dir, 'trials.db'), trial!.number);
    assert.equal(scores.length, FOLDS);
    for (const s of scores) assert.ok(s.score > 0 && s.score <= 1, `fold ${s.fold}: AUC ${s.score}`);
  });
});
