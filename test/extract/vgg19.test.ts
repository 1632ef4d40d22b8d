import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { join } from 'node:path';
import sharp from 'sharp';
import { VGG19_BLOCKS } from '../../src/extract/bases/vgg19.js';
import { writeImageTree } from '../helpers/images.js';
import { python } from '../helpers/python.js';
import { referenceVgg19, type ConvWeights } from '../helpers/reference-vgg19.js';
import { listing, tempDir, tune } from '../helpers/tune.js';
import { randomConvWeights, vgg19Specs, writeKerasWeights } from '../helpers/vgg19-weights.js';

/** The smallest size VGG19 takes keeps the plain-loop reference fast: 32 px -> 1x1x512. */
const SIZE = 32;

interface H5Out {
  data: number[][];
  labels: number[];
  paths: string[];
  classNames: string[];
}

function readWithH5py(path: string): H5Out {
  return JSON.parse(
    python(
      `f = h5py.File(sys.argv[1], 'r')
print(json.dumps({'data': f['data'][:].tolist(), 'labels': f['labels'][:].tolist(),
  'paths': [p.decode() if isinstance(p, bytes) else p for p in f['paths'][:]],
  'classNames': [str(c) for c in f.attrs['class_names']]}))`,
      [path],
    ),
  ) as H5Out;
}

describe('VGG19 base', () => {
  let dir: string;
  let images: string;
  let weights: ConvWeights[];
  let legacyFile: string;

  before(async () => {
    dir = tempDir();
    images = join(dir, 'images');
    await writeImageTree(images, { man: 2, woman: 2 }, { size: SIZE });
    weights = randomConvWeights(vgg19Specs(), 11);
    legacyFile = writeKerasWeights(dir, 'vgg19-legacy', vgg19Specs(), weights, 'legacy');
  });

  it('computes the same features as a plain-loop VGG19 on Keras-layout weights', async () => {
    const out = join(dir, 'features.hdf5');
    const run = tune(['extract', images, out, '--weights', legacyFile, '--size', String(SIZE), '--workers', '2']);
    assert.equal(run.code, 0, run.stderr);
    const file = readWithH5py(out);
    assert.equal(file.data.length, 4);
    for (const [row, path] of file.paths.entries()) {
      const rgb = new Uint8Array(await sharp(path).removeAlpha().raw().toBuffer());
      const expected = referenceVgg19(rgb, SIZE, VGG19_BLOCKS, weights);
      const got = file.data[row]!;
      assert.equal(got.length, expected.length);
      const scale = Math.max(1, ...expected.map(Math.abs));
      const worst = Math.max(...got.map((v, i) => Math.abs(v - expected[i]!)));
      assert.ok(worst <= 1e-4 * scale, `row ${row} (${path}): max difference ${worst} against scale ${scale}`);
      assert.ok(
        expected.some((v) => v > 0),
        'the reference features must not be all zero',
      );
    }
  });

  it('gives the same features on ONNX Runtime as on tfjs, within float rounding', () => {
    // 48 px, so that every block has a map larger than 1x1 and pooling windows matter.
    const size = '48';
    const onnx = join(dir, 'onnx.hdf5');
    const tfjs = join(dir, 'tfjs.hdf5');
    for (const [runtime, out] of [
      ['onnx', onnx],
      ['tfjs', tfjs],
    ] as const) {
      const run = tune(['extract', images, out, '--weights', legacyFile, '--size', size, '--runtime', runtime, '--json']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { runtime: string }).runtime, runtime);
    }
    const a = readWithH5py(onnx);
    const b = readWithH5py(tfjs);
    assert.deepEqual(a.paths, b.paths);
    assert.equal(a.data[0]!.length, 512);
    for (const [row, got] of a.data.entries()) {
      const expected = b.data[row]!;
      const scale = Math.max(1, ...expected.map(Math.abs));
      const worst = Math.max(...got.map((v, i) => Math.abs(v - expected[i]!)));
      assert.ok(worst <= 1e-5 * scale, `row ${row}: max difference ${worst} against scale ${scale}`);
      assert.ok(expected.filter((v) => v > 0).length > 10, 'the features must not be (almost) all zero');
    }
  });

  it('reads a whole-model file (model_weights/, kernel:0 names) the same way', () => {
    const keras2 = writeKerasWeights(dir, 'vgg19-keras2', vgg19Specs(), weights, 'keras2');
    const a = join(dir, 'a.hdf5');
    const b = join(dir, 'b.hdf5');
    assert.equal(tune(['extract', images, a, '--weights', legacyFile, '--size', String(SIZE)]).code, 0);
    const run = tune(['extract', images, b, '--weights', keras2, '--size', String(SIZE)]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readWithH5py(b).data, readWithH5py(a).data);
  });

  it("refuses a weights file that is not VGG19's, naming the layer and shapes", () => {
    const specs = vgg19Specs().map((s, i) => (i === 0 ? { layer: s.layer, shapes: [[3, 3, 3, 32], [32]] } : s));
    const wrong = writeKerasWeights(dir, 'not-vgg19', specs.slice(0, 2), randomConvWeights(specs.slice(0, 2), 3), 'legacy');
    const out = join(dir, 'never.hdf5');
    const before = listing(dir);
    const run = tune(['extract', images, out, '--weights', wrong, '--size', String(SIZE)]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^tune: .*not-vgg19\.h5: \/block1_conv1\/block1_conv1_W_1:0: has shape \[3, 3, 3, 32\], expected \[3, 3, 3, 64\]\n$/);
    assert.deepEqual(listing(dir), before);
  });
});
