import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MOBILENET_V2_BASE_LAYER, writeNsfwjsMobileNetV2 } from '../../scripts/nsfwjs-model.js';
import { useBackend } from '../../src/engine/backend.js';
import type { BaseSpec, ConvBase } from '../../src/extract/bases/base.js';
import { loadBase } from '../../src/extract/bases/load-base.js';
import { InputError } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';
import { writeTinyGraphModel } from '../helpers/graph-model.js';
import { tempDir } from '../helpers/tune.js';
import { randomConvWeights, vgg19Specs, writeKerasWeights } from '../helpers/vgg19-weights.js';

/** One implementation of ConvBase under the contract: how to make it and what it must give. */
interface Implementation {
  name: string;
  spec: (dir: string) => Promise<BaseSpec>;
  size: number;
  mapShape: number[];
}

const implementations: Implementation[] = [
  {
    name: 'vgg19 (Keras weights)',
    spec: async (dir) => ({ kind: 'vgg19', weights: writeKerasWeights(dir, 'vgg19', vgg19Specs(), randomConvWeights(vgg19Specs(), 2), 'legacy') }),
    size: 64,
    mapShape: [2, 2, 512],
  },
  {
    name: 'tfjs Layers model cut at a layer (MobileNetV2 from nsfwjs)',
    spec: async (dir) => ({ kind: 'tfjs', model: await writeNsfwjsMobileNetV2(join(dir, 'mnv2')), layer: MOBILENET_V2_BASE_LAYER }),
    size: 64,
    mapShape: [2, 2, 1280],
  },
  {
    name: 'tfjs Graph model',
    spec: async (dir) => ({ kind: 'tfjs', model: writeTinyGraphModel(dir).path }),
    size: 16,
    mapShape: [8, 8, 4],
  },
  {
    name: 'tfjs Graph model cut at a node',
    spec: async (dir) => ({ kind: 'tfjs', model: writeTinyGraphModel(dir).path, layer: 'relu' }),
    size: 16,
    mapShape: [16, 16, 4],
  },
];

function images(n: number, size: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: n * size * size * 3 }, () => rng.next()), [n, size, size, 3]);
}

for (const impl of implementations) {
  describe(`ConvBase contract: ${impl.name}`, () => {
    let base: ConvBase;
    before(async () => {
      await useBackend('wasm');
      const dir = tempDir();
      mkdirSync(dir, { recursive: true });
      base = await loadBase(await impl.spec(dir), impl.size);
    });
    after(() => base?.dispose());

    it('maps (n, size, size, 3) to (n, h, w, c)', () => {
      const x = images(3, impl.size, 1);
      const y = base.apply(x);
      assert.deepEqual(y.shape, [3, ...impl.mapShape]);
      assert.ok(y.dataSync().some((v) => v !== 0), 'features must not be all zero');
      tf.dispose([x, y]);
    });

    it('gives each image the same features alone or in a batch, every time', () => {
      const x = images(3, impl.size, 2);
      const batch = base.apply(x).dataSync();
      const again = base.apply(x).dataSync();
      assert.deepEqual(again, batch);
      const per = impl.mapShape.reduce((a, b) => a * b, 1);
      for (let i = 0; i < 3; i++) {
        const one = x.slice([i, 0, 0, 0], [1, impl.size, impl.size, 3]);
        const alone = base.apply(one).dataSync();
        const part = batch.subarray(i * per, (i + 1) * per);
        let worst = 0;
        for (let k = 0; k < per; k++) worst = Math.max(worst, Math.abs(alone[k]! - part[k]!) / Math.max(1, Math.abs(part[k]!)));
        assert.ok(worst < 1e-4, `image ${i}: relative difference ${worst}`);
        one.dispose();
      }
      x.dispose();
    });

    it('does not leak tensors per batch', () => {
      const x = images(2, impl.size, 3);
      base.apply(x).dispose();
      const count = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) base.apply(x).dispose();
      assert.equal(tf.memory().numTensors, count);
      x.dispose();
    });
  });
}

describe('tfjs Graph model specifics', () => {
  it('cuts at a node: "pool" is the 2x2 max of "relu"', async () => {
    await useBackend('wasm');
    const dir = tempDir();
    const { path } = writeTinyGraphModel(dir);
    const relu = await loadBase({ kind: 'tfjs', model: path, layer: 'relu' }, 8);
    const pooled = await loadBase({ kind: 'tfjs', model: path, layer: 'pool' }, 8);
    const x = images(1, 8, 9);
    const r = relu.apply(x);
    const expected = tf.maxPool(r, 2, 2, 'valid');
    assert.deepEqual(pooled.apply(x).dataSync(), expected.dataSync());
    tf.dispose([x, r, expected]);
  });

  it('refuses a node the graph does not have', async () => {
    const dir = tempDir();
    const { path } = writeTinyGraphModel(dir);
    await assert.rejects(loadBase({ kind: 'tfjs', model: path, layer: 'fc7' }, 8), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.where, 'layer "fc7"');
      return true;
    });
  });
});
