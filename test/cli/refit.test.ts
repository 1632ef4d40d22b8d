import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readFeatures } from '../../src/data/read-features.js';
import { useBackend } from '../../src/engine/backend.js';
import { fromFiles } from '../helpers/tfjs-files.js';
import { writeTinyData } from '../helpers/tiny-study.js';
import { listing, ROOT, tempDir, trialsOf, tune } from '../helpers/tune.js';

interface RefitJson {
  trial: number;
  bestEpoch: number;
  test: { loss: number; accuracy: number; correct: number; rows: number; confusion: { labels: string[]; matrix: number[][] } };
  refit: { epochs: number; epochsFrom: string; rows: number; trainRows: number; validRows: number; engine: string; seed: number };
  exported?: string;
}

/** The demo features (README Quick start: `npm run demo-data` writes them to hdf5_data/). */
const DEMO = { train: 2000, valid: 340, test: 340 };

/** The seed's space on a copy of the demo features in `dir`: a short random study. */
function demoStudy(dir: string): string {
  for (const split of Object.keys(DEMO)) copyFileSync(join(ROOT, 'hdf5_data', `${split}.hdf5`), join(dir, `${split}.hdf5`));
  const space = JSON.parse(readFileSync(join(ROOT, 'search-spaces', 'gender.json'), 'utf8')) as Record<string, unknown>;
  space['data'] = { train: join(dir, 'train.hdf5'), valid: join(dir, 'valid.hdf5'), test: join(dir, 'test.hdf5') };
  space['tuner'] = { oracle: 'random', objective: 'val_accuracy', max_trials: 3, executions_per_trial: 1, epochs: 6, batch_size: 32, seed: 3 };
  const path = join(dir, 'space.json');
  writeFileSync(path, JSON.stringify(space));
  return path;
}

const weightsOf = async (path: string): Promise<Float32Array[]> => {
  const model = await tf.loadLayersModel(fromFiles(path));
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
};

describe('tune best --refit on the demo features', () => {
  let dir: string;
  let space: string;
  let test: Awaited<ReturnType<typeof readFeatures>>;

  before(async () => {
    await useBackend('wasm');
    dir = tempDir();
    space = demoStudy(dir);
    const run = tune(['run', space, '--no-tui'], dir);
    assert.equal(run.code, 0, run.stderr);
    test = await readFeatures(join(dir, 'test.hdf5'));
  });

  it('trains the best trial for its best epoch scaled by the rows, on train+valid; its export scores on test what it reports', async () => {
    const out = join(dir, 'refit', 'model.json');
    const r = tune(['best', '--refit', '--json', '--export', out], dir);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as RefitJson;
    const complete = trialsOf(dir).filter((t) => t.status === 'complete');
    const best = complete.reduce((a, b) => (b.score! > a.score! ? b : a));
    assert.equal(result.trial, best.number);
    assert.equal(result.bestEpoch, best.bestEpoch);
    const rows = DEMO.train + DEMO.valid;
    assert.equal(result.refit.epochs, Math.max(1, Math.round((best.bestEpoch! * rows) / DEMO.train)));
    assert.equal(result.refit.epochsFrom, 'bestEpoch');
    assert.deepEqual([result.refit.rows, result.refit.trainRows, result.refit.validRows], [rows, DEMO.train, DEMO.valid]);
    assert.equal(result.refit.engine, 'native');
    assert.equal(result.exported, out);

    const model = await tf.loadLayersModel(fromFiles(out));
    const meta = (model.getUserDefinedMetadata() as { tune: { trial: number; refit: { epochs: number; rows: number } } }).tune;
    assert.equal(meta.trial, best.number);
    assert.deepEqual(meta.refit, { epochs: result.refit.epochs, rows });
    const p = (model.predict(tf.tensor2d(test.data, [test.rows, test.dim])) as tf.Tensor).dataSync();
    const correct = Array.from(p).filter((q, i) => (q >= 0.5 ? 1 : 0) === test.labels[i]).length;
    assert.equal(result.test.rows, DEMO.test);
    assert.equal(result.test.correct, correct);
    assert.equal(result.test.accuracy, correct / test.rows);
    const m = result.test.confusion.matrix;
    assert.deepEqual(result.test.confusion.labels, ['shirt', 't-shirt']);
    assert.equal(m[0]![0]! + m[1]![1]!, correct);
    assert.equal(
      m.flat().reduce((a, b) => a + b, 0),
      test.rows,
    );
    assert.deepEqual(
      listing(join(dir, 'refit')).filter((f) => f.startsWith('.')),
      [],
      'no temporary file stays',
    );

    // The stored best trial, exported as `tune best` does: the refit trained new weights.
    const stored = join(dir, 'stored', 'model.json');
    const b = tune(['best', '--export', stored], dir);
    assert.equal(b.code, 0, b.stderr);
    const [mine, theirs] = [await weightsOf(out), await weightsOf(stored)];
    assert.deepEqual(
      mine.map((w) => w.length),
      theirs.map((w) => w.length),
    );
    mine.forEach((w, i) =>
      assert.ok(
        w.some((v, k) => v !== theirs[i]![k]),
        `weight tensor ${i} is the stored trial's`,
      ),
    );
  });

  it('--epochs 3 trains 3 epochs; the tfjs engine refits the same model; a .h5 export is written', () => {
    const h5 = join(dir, 'keras', 'model.h5');
    const native = tune(['best', '--refit', '--epochs', '3', '--json', '--export', h5], dir);
    assert.equal(native.code, 0, native.stderr);
    const n = JSON.parse(native.stdout) as RefitJson;
    assert.equal(n.refit.epochs, 3);
    assert.equal(n.refit.epochsFrom, '--epochs');
    assert.equal(readFileSync(h5).subarray(0, 8).toString('latin1'), '\x89HDF\r\n\x1a\n');
    const t = tune(['best', '--refit', '--epochs', '3', '--engine', 'tfjs', '--json'], dir);
    assert.equal(t.code, 0, t.stderr);
    const j = JSON.parse(t.stdout) as RefitJson;
    assert.equal(j.refit.engine, 'tfjs');
    assert.equal(j.refit.seed, n.refit.seed);
    assert.ok(Math.abs(j.test.loss - n.test.loss) < 1e-4, `test loss: tfjs ${j.test.loss}, native ${n.test.loss}`);
    assert.equal(j.test.correct, n.test.correct);
    const text = tune(['best', '--refit', '--epochs', '3'], dir);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(`Refit of trial ${n.trial} on train\\+valid \\(2340 rows: 2000 \\+ 340\\) for 3 epochs \\(--epochs\\), native engine`),
    );
    assert.match(text.stdout, new RegExp(`Test loss: ${n.test.loss.toFixed(4)}  test accuracy: ${n.test.accuracy.toFixed(4)} \\(${n.test.correct} of 340\\)`));
  });

  it('refuses bad input in one line, exit 2, writing nothing', () => {
    const out = join(dir, 'bad');
    mkdirSync(out);
    const model = join(out, 'model.json');
    const other = tempDir();
    const enqueued = tune(['enqueue', space, '{"first_dense": 4, "dropout_rate": 0.3}', '--db', join(other, 'trials.db')], other);
    assert.equal(enqueued.code, 0, enqueued.stderr);
    const onlyTrain = tempDir();
    for (const split of ['train', 'valid']) copyFileSync(join(dir, `${split}.hdf5`), join(onlyTrain, `${split}.hdf5`));
    const cases: [string[], RegExp][] = [
      [['--refit', '--epochs', '0'], /^tune: command line: --epochs: must be a whole number 1 or more, got "0"\n$/],
      [['--refit', '--epochs', '2.5'], /^tune: command line: --epochs: must be a whole number 1 or more, got "2.5"\n$/],
      [['--epochs', '3'], /^tune: command line: --epochs: goes only with --refit, got --epochs 3 alone\n$/],
      [['--refit', '--top', '2'], /^tune: command line: --refit: refits the single best trial and does not go with --top, got --top 2\n$/],
      [['--refit', '--db', join(other, 'trials.db')], /^tune: .*trials\.db: study "gender": has no complete trial yet\n$/],
      [['--refit', '--data', onlyTrain], /^tune: .*test\.hdf5: file: does not exist\n$/],
    ];
    for (const [args, line] of cases) {
      const r = tune(['best', ...args, '--export', model], dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, line, args.join(' '));
      assert.equal(r.stdout, '');
    }
    // The study's own test split, gone.
    renameSync(join(dir, 'test.hdf5'), join(dir, 'test.moved'));
    try {
      const r = tune(['best', '--refit', '--export', model], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^tune: .*test\.hdf5: file: no longer exists; study "gender" ran on it \(.*\)\n$/);
    } finally {
      renameSync(join(dir, 'test.moved'), join(dir, 'test.hdf5'));
    }
    assert.deepEqual(listing(out), []);
  });

  it('refits a result added with tune add only for --epochs N, since it has no best epoch to scale', () => {
    const other = tempDir();
    const db = join(other, 'trials.db');
    const values = { first_dense: 8, dropout_rate: 0.3 };
    const added = tune(['add', space, '--values', JSON.stringify(values), '--score', '0.99', '--db', db], other);
    assert.equal(added.code, 0, added.stderr);
    const refused = tune(['best', '--refit', '--db', db], other);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^tune: .*trials\.db: trial 1: has no best epoch to scale \(a result added with tune add\); pass --refit --epochs N\n$/);
    const r = tune(['best', '--refit', '--epochs', '2', '--db', db, '--json'], other);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as RefitJson & { values: unknown };
    assert.deepEqual([result.trial, result.refit.epochs, result.values], [1, 2, values]);
  });

  it('a refit whose loss blows up exits 1 in one line and leaves the earlier export as it was', () => {
    const out = join(dir, 'kept');
    const model = join(out, 'model.json');
    const first = tune(['best', '--refit', '--epochs', '1', '--export', model], dir);
    assert.equal(first.code, 0, first.stderr);
    const before = listing(out);
    const bytes = readFileSync(model);
    // Features of 5e37 overflow every loss: the refit fails in its first epoch.
    const huge = writeTinyData(tempDir(), { scale: 5e37 });
    const r = tune(['best', '--refit', '--data', huge, '--export', model], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^tune: the refit of trial \d+ failed: loss became (NaN|Infinity) at epoch 1; nothing was written\n$/);
    assert.equal(r.stdout, '');
    assert.deepEqual(listing(out), before);
    assert.deepEqual(readFileSync(model), bytes);
  });
});
