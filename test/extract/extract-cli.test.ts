import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { basename, dirname, join } from 'node:path';
import { readFeatures } from '../../src/data/read-features.js';
import { MOBILENET_V2_BASE_LAYER, writeNsfwjsMobileNetV2 } from '../../scripts/nsfwjs-model.js';
import { writeImageTree } from '../helpers/images.js';
import { TINY_CHANNELS, writeTinyOnnxModel } from '../helpers/onnx-model.js';
import { python } from '../helpers/python.js';
import { tempDir, tune } from '../helpers/tune.js';

describe('tune extract', () => {
  let dir: string;
  let images: string;
  let model: string;
  const base = (): string[] => ['--base', model, '--layer', MOBILENET_V2_BASE_LAYER, '--size', '64'];

  before(async () => {
    dir = tempDir();
    images = join(dir, 'images');
    await writeImageTree(images, { woman: 4, man: 3 }, { formats: ['png', 'jpg', 'webp'] });
    model = await writeNsfwjsMobileNetV2(join(dir, 'mobilenet_v2'));
  });

  it("writes the seed's layout, which h5py reads, with labels from the sorted folder names", () => {
    const out = join(dir, 'layout.hdf5');
    const run = tune(['extract', images, out, ...base(), '--pool', 'avg']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /extract: 7 images, 2 classes \(man, woman\), base .*, backend wasm, \d+ workers/);
    const seen = JSON.parse(
      python(
        `f = h5py.File(sys.argv[1], 'r')
print(json.dumps({'data': [str(f['data'].dtype), list(f['data'].shape)], 'labels': [str(f['labels'].dtype), list(f['labels'].shape)],
  'values': f['labels'][:].tolist(), 'paths': [p.decode() for p in f['paths'][:]],
  'attrs': {k: (v.tolist() if hasattr(v, 'tolist') else v) for k, v in f.attrs.items()}}))`,
        [out],
      ),
    ) as { data: [string, number[]]; labels: [string, number[]]; values: number[]; paths: string[]; attrs: Record<string, unknown> };
    assert.deepEqual(seen.data, ['float32', [7, 1280]]);
    assert.deepEqual(seen.labels, ['int64', [7]]);
    assert.deepEqual(seen.attrs['class_names'], ['man', 'woman']);
    assert.equal(seen.attrs['input_size'], 64);
    assert.equal(seen.attrs['preprocessing'], 'unit');
    assert.equal(seen.attrs['pooling'], 'avg');
    assert.equal(seen.attrs['layer'], MOBILENET_V2_BASE_LAYER);
    assert.equal(seen.attrs['base'], model);
    const names = seen.attrs['class_names'] as string[];
    seen.paths.forEach((path, i) => assert.equal(names[seen.values[i]!], basename(dirname(path)), path));
    assert.equal(new Set(seen.paths).size, 7);
    assert.deepEqual(seen.values.filter((l) => l === 0).length, 3);
  });

  it('writes the same file whatever the number of workers', async () => {
    const one = join(dir, 'one.hdf5');
    const two = join(dir, 'two.hdf5');
    assert.equal(tune(['extract', images, one, ...base(), '--workers', '1', '--batch', '2']).code, 0);
    assert.equal(tune(['extract', images, two, ...base(), '--workers', '2', '--batch', '2']).code, 0);
    const a = await readFeatures(one);
    const b = await readFeatures(two);
    assert.deepEqual(b.paths, a.paths);
    assert.deepEqual(Array.from(b.labels), Array.from(a.labels));
    assert.deepEqual(Buffer.from(b.data.buffer), Buffer.from(a.data.buffer));
  });

  it('shuffles once by --seed: another seed reorders the same rows', async () => {
    const s1 = join(dir, 's1.hdf5');
    const s2 = join(dir, 's2.hdf5');
    assert.equal(tune(['extract', images, s1, ...base(), '--pool', 'max', '--seed', '1']).code, 0);
    assert.equal(tune(['extract', images, s2, ...base(), '--pool', 'max', '--seed', '2']).code, 0);
    const a = await readFeatures(s1);
    const b = await readFeatures(s2);
    assert.notDeepEqual(b.paths, a.paths);
    const rowOf = (set: typeof a, path: string): number[] => {
      const i = set.paths!.indexOf(path);
      return Array.from(set.data.subarray(i * set.dim, (i + 1) * set.dim));
    };
    for (const path of a.paths!) assert.deepEqual(rowOf(b, path), rowOf(a, path));
  });

  it('flattens the whole map without --pool, and --pool avg is its spatial mean', async () => {
    const flat = join(dir, 'flat.hdf5');
    const avg = join(dir, 'avg.hdf5');
    assert.equal(tune(['extract', images, flat, ...base()]).code, 0);
    assert.equal(tune(['extract', images, avg, ...base(), '--pool', 'avg']).code, 0);
    const f = await readFeatures(flat);
    const p = await readFeatures(avg);
    assert.deepEqual(f.meta.featureShape, [2, 2, 1280]);
    assert.equal(f.dim, 2 * 2 * 1280);
    for (let row = 0; row < f.rows; row++) {
      for (let c = 0; c < 1280; c++) {
        let sum = 0;
        for (let s = 0; s < 4; s++) sum += f.data[row * f.dim + s * 1280 + c]!;
        assert.ok(Math.abs(sum / 4 - p.data[row * p.dim + c]!) < 1e-5, `row ${row} channel ${c}`);
      }
    }
    assert.ok(f.data.some((v) => v > 0));
  });

  it('reports progress as plain lines when stderr is not a terminal', () => {
    const out = join(dir, 'progress.hdf5');
    const run = tune(['extract', images, out, ...base(), '--batch', '1', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^extract: 7\/7 images {2}[\d.]+ images\/s {2}ETA 0:00$/m);
    assert.doesNotMatch(run.stderr, /\r/);
    const summary = JSON.parse(run.stdout) as { rows: number; dim: number; backend: string };
    assert.deepEqual([summary.rows, summary.dim, summary.backend], [7, 2 * 2 * 1280, 'wasm']);
    assert.ok(readFileSync(out).length > 0);
  });
});

describe('tune extract --base model.onnx --layer NODE', () => {
  it('cuts the model at the node: "pool" is the 2x2 max of "relu", with the layer recorded', async () => {
    const dir = tempDir();
    const images = join(dir, 'images');
    await writeImageTree(images, { a: 2, b: 2 }, { size: 24 });
    const model = writeTinyOnnxModel(dir, 'tiny', { layout: 'nchw' }).path;
    const cut = async (layer: string) => {
      const out = join(dir, `${layer}.hdf5`);
      const run = tune(['extract', images, out, '--base', model, '--layer', layer, '--size', '16', '--json']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { runtime: string }).runtime, 'onnx');
      return readFeatures(out);
    };
    const relu = await cut('relu');
    const pool = await cut('pool');
    assert.equal(relu.dim, 16 * 16 * TINY_CHANNELS);
    assert.equal(pool.dim, 8 * 8 * TINY_CHANNELS);
    assert.deepEqual(pool.paths, relu.paths);
    assert.equal(pool.meta.layer, 'pool');
    assert.equal(pool.meta.base, model);
    for (let r = 0; r < relu.rows; r++) {
      // Rows are flattened channels last: (y, x, c).
      const at = (y: number, x: number, c: number) => relu.data[r * relu.dim + (y * 16 + x) * TINY_CHANNELS + c]!;
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++)
          for (let c = 0; c < TINY_CHANNELS; c++) {
            const expected = Math.max(at(2 * y, 2 * x, c), at(2 * y, 2 * x + 1, c), at(2 * y + 1, 2 * x, c), at(2 * y + 1, 2 * x + 1, c));
            assert.equal(pool.data[r * pool.dim + (y * 8 + x) * TINY_CHANNELS + c], expected, `row ${r} (${y}, ${x}, ${c})`);
          }
    }
    assert.ok(relu.data.some((v) => v > 0));
  });
});
