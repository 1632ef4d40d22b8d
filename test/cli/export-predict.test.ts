import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MOBILENET_V2_BASE_LAYER, writeNsfwjsMobileNetV2 } from '../../scripts/nsfwjs-model.js';
import { readFeatures } from '../../src/data/read-features.js';
import { useBackend } from '../../src/engine/backend.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { writeImageTree } from '../helpers/images.js';
import { tinySpace, writeSpace } from '../helpers/tiny-study.js';
import { fromFiles } from '../helpers/tfjs-files.js';
import { listing, tempDir, tune } from '../helpers/tune.js';

describe('tune best --export and tune predict', () => {
  let dir: string;
  let images: string;

  before(async () => {
    await useBackend('wasm');
    dir = tempDir();
    images = join(dir, 'images');
    const model = await writeNsfwjsMobileNetV2(join(dir, 'mnv2'));
    const counts = { train: 16, valid: 8, test: 8 };
    for (const [split, n] of Object.entries(counts)) {
      await writeImageTree(join(images, split), { cat: n / 2, dog: n / 2 }, { size: 48, seed: n * 7 + split.length });
      const run = tune([
        'extract',
        join(images, split),
        join(dir, `${split}.hdf5`),
        '--base',
        model,
        '--layer',
        MOBILENET_V2_BASE_LAYER,
        '--size',
        '48',
        '--pool',
        'avg',
      ]);
      assert.equal(run.code, 0, run.stderr);
    }
    const space = writeSpace(dir, tinySpace(dir, { max_trials: 2, epochs: 4 }));
    const run = tune(['run', space], dir);
    assert.equal(run.code, 0, run.stderr);
  });

  it('exports a model that plain tfjs loads and that predicts exactly what the stored trial does', async () => {
    const best = tune(['best', '--export', join(dir, 'out', 'model.json'), '--json'], dir);
    assert.equal(best.code, 0, best.stderr);
    const result = JSON.parse(best.stdout) as { trial: number; test: { accuracy: number; loss: number; rows: number } };
    const files = listing(join(dir, 'out'));
    assert.equal(files.length, 2, files.join());
    assert.ok(files.includes('model.json'), files.join());
    assert.ok(
      files.some((f) => /^model\.[0-9a-f]{8}\.weights\.bin$/.test(f)),
      files.join(),
    );
    const model = await tf.loadLayersModel(fromFiles(join(dir, 'out', 'model.json')));
    const meta = (model.getUserDefinedMetadata() as { tune: { classNames: string[]; trial: number } }).tune;
    assert.deepEqual(meta.classNames, ['cat', 'dog']);
    assert.equal(meta.trial, result.trial);

    const test = await readFeatures(join(dir, 'test.hdf5'));
    const got = (model.predict(tf.tensor2d(test.data, [test.rows, test.dim])) as tf.Tensor).dataSync();
    // The same classifier computed in plain loops from the weights stored in trials.db.
    const storage = await SqliteStorage.open(join(dir, 'trials.db'));
    const study = (await storage.findStudy('tiny'))!;
    const trial = (await storage.trial(study.id, result.trial))!;
    const weights = (await storage.loadWeights(trial.id))!;
    await storage.close();
    const expected = Array.from({ length: test.rows }, (_, r) => forward(test.data.subarray(r * test.dim, (r + 1) * test.dim), weights.tensors));
    expected.forEach((p, r) => assert.ok(Math.abs(p - got[r]!) < 1e-5, `row ${r}: ${got[r]} vs ${p}`));
    const correct = expected.filter((p, r) => (p >= 0.5 ? 1 : 0) === test.labels[r]).length;
    assert.equal(result.test.rows, test.rows);
    assert.ok(Math.abs(result.test.accuracy - correct / test.rows) < 1e-9);
  });

  it('predicts a new image through the recorded base: the same probability as its row of features', async () => {
    const out = join(dir, 'out', 'model.json');
    if (!listing(dir).includes('out')) assert.equal(tune(['best', '--export', out], dir).code, 0);
    const test = await readFeatures(join(dir, 'test.hdf5'));
    const picks = [test.paths![0]!, test.paths![1]!];
    const run = tune(['predict', ...picks, '--model', out, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { image: string; class: string; probability: number; probabilities: number[] });
    const model = await tf.loadLayersModel(fromFiles(out));
    lines.forEach((line, i) => {
      assert.equal(line.image, picks[i]);
      const row = test.paths!.indexOf(picks[i]!);
      const p = (model.predict(tf.tensor2d(test.data.subarray(row * test.dim, (row + 1) * test.dim), [1, test.dim])) as tf.Tensor).dataSync()[0]!;
      assert.ok(Math.abs(p - line.probabilities[1]!) < 1e-5, `${picks[i]}: ${line.probabilities[1]} vs ${p}`);
      assert.equal(line.class, p >= 0.5 ? 'dog' : 'cat');
      assert.ok(Math.abs(line.probability - (p >= 0.5 ? p : 1 - p)) < 1e-5, `${picks[i]}: the predicted class's probability, got ${line.probability}`);
    });
    const text = tune(['predict', picks[0]!, '--model', out]);
    assert.match(text.stdout, /^.+\.png: (cat|dog) \(\d+\.\d%\)\n$/);
  });

  /** A copy of the export `out/` as `name/`, its model.json edited by `edit`; returns the copy's model.json. */
  function exportCopy(name: string, edit: (json: ExportJson, folder: string) => void): string {
    const out = join(dir, 'out', 'model.json');
    if (!listing(dir).includes('out')) assert.equal(tune(['best', '--export', out], dir).code, 0);
    const folder = join(dir, name);
    rmSync(folder, { recursive: true, force: true });
    cpSync(join(dir, 'out'), folder, { recursive: true });
    const path = join(folder, 'model.json');
    const json = JSON.parse(readFileSync(path, 'utf8')) as ExportJson;
    edit(json, folder);
    writeFileSync(path, JSON.stringify(json));
    return path;
  }

  it('exporting over its own earlier export removes the earlier weights file, and nothing it cannot prove is its own', async () => {
    let bin = '';
    const path = exportCopy('again', (json, folder) => {
      bin = json.weightsManifest[0]!.paths[0]!;
      rmSync(join(folder, bin));
      // An earlier export's weights: other bytes, named by their digest as tune names them.
      const earlier = Buffer.from('weights of an earlier trial');
      const name = `model.${createHash('sha256').update(earlier).digest('hex').slice(0, 8)}.weights.bin`;
      writeFileSync(join(folder, name), earlier);
      writeFileSync(join(folder, 'notes.txt'), 'mine\n');
      json.weightsManifest[0]!.paths = [name, 'notes.txt'];
    });
    const run = tune(['best', '--export', path], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(listing(dirname(path)), [bin, 'model.json', 'notes.txt'].sort());
    const json = JSON.parse(readFileSync(path, 'utf8')) as ExportJson;
    assert.deepEqual(json.weightsManifest[0]!.paths, [bin]);
    assert.equal(json.userDefinedMetadata.tune['exportedBy'], 'tune best --export');
  });

  it("reads weights from a subfolder of the model's folder: the same probability", async () => {
    const test = await readFeatures(join(dir, 'test.hdf5'));
    const image = test.paths![0]!;
    const path = exportCopy('nested', (json, folder) => {
      mkdirSync(join(folder, 'shards'));
      renameSync(join(folder, json.weightsManifest[0]!.paths[0]!), join(folder, 'shards', 'w.bin'));
      json.weightsManifest[0]!.paths = ['shards/w.bin'];
    });
    const nested = tune(['predict', image, '--model', path, '--json']);
    const plain = tune(['predict', image, '--model', join(dir, 'out', 'model.json'), '--json']);
    assert.equal(nested.code, 0, nested.stderr);
    assert.equal(nested.stdout, plain.stdout);
  });

  it('refuses a weight whose shape does not match the topology, and a truncated weights file, in one line each', async () => {
    const image = (await readFeatures(join(dir, 'test.hdf5'))).paths![0]!;
    const swapped = exportCopy('swapped', (json) => {
      const kernel = json.weightsManifest[0]!.weights[0]!;
      kernel.shape = [kernel.shape[1]!, kernel.shape[0]!];
    });
    const shape = tune(['predict', image, '--model', swapped]);
    assert.equal(shape.code, 2, shape.stderr);
    assert.match(
      shape.stderr,
      /^tune: .*swapped\/model\.json: weightsManifest: a weight's shape does not match the topology \(Shape mismatch: \[\d+,\d+\] vs\. \[\d+,\d+\]\)\n$/,
    );
    let size = 0;
    const cut = exportCopy('cut', (json, folder) => {
      const bin = join(folder, json.weightsManifest[0]!.paths[0]!);
      size = readFileSync(bin).length;
      truncateSync(bin, size - 4);
    });
    const short = tune(['predict', image, '--model', cut]);
    assert.equal(short.code, 2, short.stderr);
    assert.match(
      short.stderr,
      new RegExp(
        `^tune: .*cut/model\\.json: weightsManifest: the weights' shapes take ${size} bytes, ` +
          `but the files hold ${size - 4} \\(model\\.[0-9a-f]{8}\\.weights\\.bin\\)\n$`,
      ),
    );
  });
});

interface ExportJson {
  weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[];
  userDefinedMetadata: { tune: Record<string, unknown> };
}

/** sigmoid(relu(...relu(x W1 + b1)...) Wn + bn) for dense layers stored kernel, bias in order. */
function forward(x: Float32Array, tensors: { shape: number[]; values: Float32Array }[]): number {
  let h = Array.from(x);
  for (let k = 0; k < tensors.length; k += 2) {
    const [rows, cols] = tensors[k]!.shape as [number, number];
    const w = tensors[k]!.values;
    const b = tensors[k + 1]!.values;
    const next = Array.from({ length: cols }, (_, j) => {
      let s = b[j]!;
      for (let i = 0; i < rows; i++) s += h[i]! * w[i * cols + j]!;
      return s;
    });
    h = k + 2 < tensors.length ? next.map((v) => Math.max(0, v)) : next.map((v) => 1 / (1 + Math.exp(-v)));
  }
  return h[0]!;
}
