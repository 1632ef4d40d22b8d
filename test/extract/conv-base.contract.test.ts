import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MOBILENET_V2_BASE_LAYER, writeNsfwjsMobileNetV2 } from '../../scripts/nsfwjs-model.js';
import { useBackend } from '../../src/engine/backend.js';
import type { BaseSpec, ConvBase, Runtime, RuntimeChoice } from '../../src/extract/bases/base.js';
import { loadBase } from '../../src/extract/bases/load-base.js';
import { InputError } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';
import { writeTinyGraphModel } from '../helpers/graph-model.js';
import { TINY_CHANNELS, TINY_CLASSES, writeTinyOnnxModel } from '../helpers/onnx-model.js';
import { tempDir } from '../helpers/tune.js';
import { randomConvWeights, vgg19Specs, writeKerasWeights } from '../helpers/vgg19-weights.js';

/** One implementation of ConvBase under the contract: how to make it and what it must give. */
interface Implementation {
  name: string;
  spec: (dir: string) => Promise<BaseSpec>;
  runtime: Runtime;
  size: number;
  mapShape: number[];
}

const vgg19 = async (dir: string): Promise<BaseSpec> => ({
  kind: 'vgg19',
  weights: writeKerasWeights(dir, 'vgg19', vgg19Specs(), randomConvWeights(vgg19Specs(), 2), 'legacy'),
});

const implementations: Implementation[] = [
  { name: 'vgg19 (Keras weights) on ONNX Runtime', spec: vgg19, runtime: 'onnx', size: 64, mapShape: [2, 2, 512] },
  { name: 'vgg19 (Keras weights) on tfjs', spec: vgg19, runtime: 'tfjs', size: 64, mapShape: [2, 2, 512] },
  {
    name: 'ONNX model, NCHW (python3-onnx), whole graph',
    spec: async (dir) => ({ kind: 'onnx', model: writeTinyOnnxModel(dir, 'nchw', { layout: 'nchw' }).path }),
    runtime: 'onnx',
    size: 16,
    mapShape: [1, 1, TINY_CLASSES],
  },
  {
    name: 'ONNX model, NCHW (python3-onnx), cut at a node output',
    spec: async (dir) => ({ kind: 'onnx', model: writeTinyOnnxModel(dir, 'nchw', { layout: 'nchw' }).path, layer: 'pool' }),
    runtime: 'onnx',
    size: 16,
    mapShape: [8, 8, TINY_CHANNELS],
  },
  {
    name: 'ONNX model, NHWC, fixed 16x16 input and batch 1, cut at a node output',
    spec: async (dir) => ({ kind: 'onnx', model: writeTinyOnnxModel(dir, 'nhwc', { layout: 'nhwc', size: 16, batch: 1 }).path, layer: 'relu' }),
    runtime: 'onnx',
    size: 16,
    mapShape: [16, 16, TINY_CHANNELS],
  },
  {
    name: 'tfjs Layers model cut at a layer (MobileNetV2 from nsfwjs)',
    spec: async (dir) => ({ kind: 'tfjs', model: await writeNsfwjsMobileNetV2(join(dir, 'mnv2')), layer: MOBILENET_V2_BASE_LAYER }),
    runtime: 'tfjs',
    size: 64,
    mapShape: [2, 2, 1280],
  },
  {
    name: 'tfjs Graph model',
    spec: async (dir) => ({ kind: 'tfjs', model: writeTinyGraphModel(dir).path }),
    runtime: 'tfjs',
    size: 16,
    mapShape: [8, 8, 4],
  },
  {
    name: 'tfjs Graph model cut at a node',
    spec: async (dir) => ({ kind: 'tfjs', model: writeTinyGraphModel(dir).path, layer: 'relu' }),
    runtime: 'tfjs',
    size: 16,
    mapShape: [16, 16, 4],
  },
];

const ON_WASM: RuntimeChoice = { runtime: 'tfjs', backend: 'wasm' };
const ON_ONNX: RuntimeChoice = { runtime: 'onnx', threads: 1 };

function images(n: number, size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * size * size * 3 }, () => rng.next());
}

for (const impl of implementations) {
  describe(`ConvBase contract: ${impl.name}`, () => {
    let base: ConvBase;
    before(async () => {
      await useBackend('wasm');
      const dir = tempDir();
      mkdirSync(dir, { recursive: true });
      base = await loadBase(await impl.spec(dir), impl.size, impl.runtime === 'onnx' ? ON_ONNX : ON_WASM);
    });
    after(() => base?.dispose());

    it('maps (n, size, size, 3) to (n, h, w, c) on the runtime it was loaded for', async () => {
      assert.equal(base.runtime, impl.runtime);
      const y = await base.run(images(3, impl.size, 1), 3);
      assert.deepEqual(y.shape, [3, ...impl.mapShape]);
      assert.equal(
        y.data.length,
        y.shape.reduce((a, b) => a * b, 1),
      );
      assert.ok(
        y.data.some((v) => v !== 0),
        'features must not be all zero',
      );
    });

    it('gives each image the same features alone or in a batch, every time', async () => {
      const x = images(3, impl.size, 2);
      const batch = (await base.run(x, 3)).data;
      const again = (await base.run(x, 3)).data;
      assert.deepEqual(again, batch);
      const per = impl.mapShape.reduce((a, b) => a * b, 1);
      const pixels = impl.size * impl.size * 3;
      for (let i = 0; i < 3; i++) {
        const alone = (await base.run(x.slice(i * pixels, (i + 1) * pixels), 1)).data;
        const part = batch.subarray(i * per, (i + 1) * per);
        let worst = 0;
        for (let k = 0; k < per; k++) worst = Math.max(worst, Math.abs(alone[k]! - part[k]!) / Math.max(1, Math.abs(part[k]!)));
        assert.ok(worst < 1e-4, `image ${i}: relative difference ${worst}`);
      }
    });

    it('does not leak tfjs tensors per batch', async () => {
      const x = images(2, impl.size, 3);
      await base.run(x, 2);
      const count = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await base.run(x, 2);
      assert.equal(tf.memory().numTensors, count);
    });
  });
}

describe('tfjs Graph model specifics', () => {
  it('cuts at a node: "pool" is the 2x2 max of "relu"', async () => {
    await useBackend('wasm');
    const dir = tempDir();
    const { path } = writeTinyGraphModel(dir);
    const relu = await loadBase({ kind: 'tfjs', model: path, layer: 'relu' }, 8, ON_WASM);
    const pooled = await loadBase({ kind: 'tfjs', model: path, layer: 'pool' }, 8, ON_WASM);
    const x = images(1, 8, 9);
    const r = await relu.run(x, 1);
    const expected = tf.tidy(() => tf.maxPool(tf.tensor4d(r.data, r.shape), 2, 2, 'valid').dataSync());
    assert.deepEqual((await pooled.run(x, 1)).data, expected);
  });

  it('refuses a node the graph does not have', async () => {
    const dir = tempDir();
    const { path } = writeTinyGraphModel(dir);
    await assert.rejects(loadBase({ kind: 'tfjs', model: path, layer: 'fc7' }, 8, ON_WASM), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.where, 'layer "fc7"');
      return true;
    });
  });
});
