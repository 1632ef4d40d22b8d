import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readFeatures } from '../../src/data/read-features.js';
import { useBackend } from '../../src/engine/backend.js';
import { extractImageFeatures } from '../helpers/image-features.js';
import { fromFiles } from '../helpers/tfjs-files.js';
import { tinySpace, writeSpace } from '../helpers/tiny-study.js';
import { listing, tempDir, tune } from '../helpers/tune.js';

interface TopJson {
  top: { trial: number; score: number; test: { accuracy: number } }[];
  ensemble: { trials: number[]; test: { accuracy: number; correct: number; rows: number; confusion: { matrix: number[][] } } };
  exported: string;
}

describe('tune best --top K --export DIR/ and tune predict --model DIR/ensemble.json', () => {
  let dir: string;

  before(async () => {
    await useBackend('wasm');
    dir = tempDir();
    await extractImageFeatures(dir);
    const run = tune(['run', writeSpace(dir, tinySpace(dir, { max_trials: 4, epochs: 4 }))], dir);
    assert.equal(run.code, 0, run.stderr);
  });

  it('writes the 3 best models, which plain tfjs loads, and an ensemble whose test score is that of their mean probability', async () => {
    const out = join(dir, 'top');
    const best = tune(['best', '--top', '3', '--export', `${out}/`, '--json'], dir);
    assert.equal(best.code, 0, best.stderr);
    const result = JSON.parse(best.stdout) as TopJson;
    assert.equal(result.top.length, 3);
    const numbers = result.top.map((t) => t.trial);
    assert.equal(new Set(numbers).size, 3, numbers.join());
    for (let i = 1; i < 3; i++) assert.ok(result.top[i - 1]!.score >= result.top[i]!.score, JSON.stringify(result.top));
    assert.deepEqual(result.ensemble.trials, numbers);
    assert.deepEqual(listing(out), ['ensemble.json', ...numbers.map((n) => `trial-${n}`)].sort());

    const test = await readFeatures(join(dir, 'test.hdf5'));
    const x = tf.tensor2d(test.data, [test.rows, test.dim]);
    const each: Float32Array[] = [];
    for (const n of numbers) {
      const model = await tf.loadLayersModel(fromFiles(join(out, `trial-${n}`, 'model.json')));
      assert.equal((model.getUserDefinedMetadata() as { tune: { trial: number } }).tune.trial, n);
      each.push((model.predict(x) as tf.Tensor).dataSync() as Float32Array);
    }
    const mean = Array.from({ length: test.rows }, (_, r) => (each[0]![r]! + each[1]![r]! + each[2]![r]!) / 3);
    const correct = mean.filter((p, r) => (p >= 0.5 ? 1 : 0) === test.labels[r]).length;
    assert.equal(result.ensemble.test.correct, correct);
    assert.equal(result.ensemble.test.rows, test.rows);
    const matrix = result.ensemble.test.confusion.matrix;
    assert.equal(
      matrix.flat().reduce((a, b) => a + b, 0),
      test.rows,
    );
    assert.equal(matrix[0]![0]! + matrix[1]![1]!, correct);

    const picks = [test.paths![0]!, test.paths![5]!];
    const predict = tune(['predict', ...picks, '--model', join(out, 'ensemble.json'), '--json']);
    assert.equal(predict.code, 0, predict.stderr);
    const lines = predict.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { image: string; class: string; probability: number; probabilities: number[] });
    assert.equal(lines.length, 2);
    lines.forEach((line, i) => {
      const row = test.paths!.indexOf(picks[i]!);
      assert.ok(Math.abs(line.probabilities[1]! - mean[row]!) < 1e-5, `${picks[i]}: ${line.probabilities[1]} vs the mean ${mean[row]}`);
      assert.equal(line.class, mean[row]! >= 0.5 ? 'dog' : 'cat');
      // The predicted class's own probability, as the text output gives it.
      assert.ok(Math.abs(line.probability - Math.max(mean[row]!, 1 - mean[row]!)) < 1e-5, `${picks[i]}: ${line.probability}`);
    });
  });

  it('refuses more models than trials keep weights, and a model file as the folder, writing nothing', () => {
    const many = tune(['best', '--top', '9', '--export', join(dir, 'many') + '/'], dir);
    assert.equal(many.code, 2, many.stderr);
    assert.match(many.stderr, /^tune: .*trials\.db: --top: asks for 9 models, but only 4 complete trials of study "tiny" keep their weights .*\n$/);
    assert.ok(!listing(dir).includes('many'));
    const file = tune(['best', '--top', '2', '--export', join(dir, 'two.json')], dir);
    assert.equal(file.code, 2, file.stderr);
    assert.match(file.stderr, /^tune: command line: --export: with --top, give the folder .*two\.json\n$/);
  });

  it('refuses an ensemble.json whose member lies outside its folder, naming the member', () => {
    const out = join(dir, 'outside');
    mkdirSync(out);
    const path = join(out, 'ensemble.json');
    const ensemble = JSON.parse(readFileSync(join(dir, 'top', 'ensemble.json'), 'utf8')) as { members: { model: string }[] };
    ensemble.members[1]!.model = '../top/trial-0/model.json';
    writeFileSync(path, JSON.stringify(ensemble));
    const run = tune(['predict', join(dir, 'images', 'test', 'cat', listing(join(dir, 'images', 'test', 'cat'))[0]!), '--model', path]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /^tune: .*outside\/ensemble\.json: members\[1\]\.model: must be trial-<number>\/model\.json beside the ensemble, got "\.\.\/top\/[^"]+"\n$/,
    );
  });

  it('tune show gives a complete trial its test figures and confusion matrix, the same as tune best, and stands without the test split', () => {
    const best = tune(['best', '--json'], dir);
    assert.equal(best.code, 0, best.stderr);
    const chosen = JSON.parse(best.stdout) as { trial: number; test: { accuracy: number; confusion: { labels: string[]; matrix: number[][] } } };
    const show = tune(['show', String(chosen.trial), '--json'], dir);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as { number: number; test: { accuracy: number; confusion: unknown } };
    assert.equal(shown.number, chosen.trial);
    assert.deepEqual(shown.test.confusion, chosen.test.confusion);
    assert.equal(shown.test.accuracy, chosen.test.accuracy);
    const text = tune(['show', String(chosen.trial)], dir);
    assert.equal(text.code, 0, text.stderr);
    const [[tn, fp], [fn, tp]] = chosen.test.confusion.matrix as [[number, number], [number, number]];
    assert.match(text.stdout, new RegExp(`\\n\\s*cat\\s+${tn}\\s+${fp}\\s*\\n\\s*dog\\s+${fn}\\s+${tp}\\s*\\n`));
    renameSync(join(dir, 'test.hdf5'), join(dir, 'test.hdf5.away'));
    try {
      const without = tune(['show', String(chosen.trial)], dir);
      assert.equal(without.code, 0, without.stderr);
      assert.match(without.stdout, /\ntest split: not evaluated \(.*test\.hdf5.*\)\n$/);
    } finally {
      renameSync(join(dir, 'test.hdf5.away'), join(dir, 'test.hdf5'));
    }
  });

  it('--keep-weights 2 keeps the weights of the 2 best trials only, and tune best --top says so', () => {
    const space = writeSpace(dir, tinySpace(dir, { max_trials: 4, epochs: 2 }, 'kept'));
    const run = tune(['run', space, '--keep-weights', '2'], dir);
    assert.equal(run.code, 0, run.stderr);
    const three = tune(['best', '--study', 'kept', '--top', '3'], dir);
    assert.equal(three.code, 2, three.stderr);
    assert.match(three.stderr, /: --top: asks for 3 models, but only 2 complete trials of study "kept" keep their weights \(tune run --keep-weights K/);
    const two = tune(['best', '--study', 'kept', '--top', '2', '--json'], dir);
    assert.equal(two.code, 0, two.stderr);
    const listed = tune(['list', '--study', 'kept', '--json'], dir)
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { number: number; score: number });
    const best = [...listed].sort((a, b) => b.score - a.score || a.number - b.number).slice(0, 2);
    assert.deepEqual(
      (JSON.parse(two.stdout) as TopJson).top.map((t) => t.trial),
      best.map((t) => t.number),
    );
  });
});
