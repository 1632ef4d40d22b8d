import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useBackend } from '../../src/engine/backend.js';
import { dropoutMask } from '../../src/engine/dropout.js';
import { initialWeights } from '../../src/engine/execution.js';
import { concreteModel } from '../../src/engine/model-spec.js';
import { nativeKernels, type NativeKernels } from '../../src/engine/native/addon.js';
import { packData, sparseSplits, trainPack } from '../../src/engine/native/pack.js';
import { makeBatches, splitTensors, trainExecution, type ExecutionResult, type ExecutionSettings } from '../../src/engine/train.js';
import { Rng } from '../../src/random/rng.js';
import { joinRows, scaledEpochs, seedAfter, type Rows } from '../../src/refit/refit-plan.js';
import { refit } from '../../src/refit/refit-train.js';
import type { CompileSpec, LayerSpec } from '../../src/space/study-spec.js';

const DIM = 24;

/** Non-negative, mostly-zero features with a class signal, as a convnet's pooled features are. */
function rows(n: number, seed: number): Rows {
  const rng = new Rng(seed);
  const data = new Float32Array(n * DIM);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    labels[r] = r % 2;
    for (let d = 0; d < DIM; d++) data[r * DIM + d] = Math.max(0, rng.next() * 2 - 1.2 + (d % 2 === labels[r] ? 0.6 : 0));
  }
  return { data, labels, rows: n, dim: DIM };
}

// Two dropout layers, so that a refit whose generator restarted each epoch would drop other units.
const layers: LayerSpec[] = [
  { kind: 'dense', units: 8, activation: 'relu' },
  { kind: 'dropout', rate: 0.3 },
  { kind: 'dense', units: 4, activation: 'relu' },
  { kind: 'dropout', rate: 0.2 },
  { kind: 'dense', units: 1, activation: 'sigmoid' },
];
const compile: CompileSpec = { loss: 'binary_crossentropy', optimizer: { name: 'rmsprop', learningRate: 0.003 }, metrics: ['accuracy'] };
const EPOCHS = 4;
const SEED = 7;

describe('a refit, trained one epoch per call, is one straight run of its epochs', () => {
  let kernels: NativeKernels;
  before(async () => {
    await useBackend('wasm');
    const native = nativeKernels();
    assert.ok(native.kernels, `the native kernels are not built: ${native.why}`);
    kernels = native.kernels;
  });

  it('seedAfter is where the generator stands after the starting weights and each epoch’s dropout masks', () => {
    const model = concreteModel(layers, compile, {}, DIM);
    const rng = new Rng(SEED);
    initialWeights(model, rng);
    assert.equal(seedAfter(model, SEED, 10, 0), SEED);
    for (let epoch = 1; epoch <= 2; epoch++) {
      // Batches of 4, 4 and 2 rows: masks are drawn per batch, and only the count of draws matters.
      for (const size of [4, 4, 2]) {
        dropoutMask(rng, size, 8, 0.3);
        dropoutMask(rng, size, 4, 0.2);
      }
      assert.equal(seedAfter(model, SEED, 10, epoch), rng.position, `after epoch ${epoch}`);
    }
  });

  for (const engine of ['native', 'tfjs'] as const) {
    it(`on the ${engine} engine: the same losses every epoch and the same last weights`, async () => {
      const train = rows(96, 1);
      const valid = rows(40, 2);
      const model = concreteModel(layers, compile, {}, DIM);
      const settings: ExecutionSettings = { epochs: EPOCHS, objective: 'loss', direction: 'min', seed: SEED };
      const straight: { loss: number; accuracy: number }[] = [];
      const onEpoch = (_: number, m: { loss: number; accuracy: number }) => straight.push({ loss: m.loss, accuracy: m.accuracy });
      let whole: ExecutionResult;
      if (engine === 'native') {
        const data = packData(sparseSplits(train, valid, 16), train.labels, valid.labels);
        whole = (await trainPack(kernels, data, [{ model, settings, onEpoch }]))[0] as ExecutionResult;
      } else {
        whole = await trainExecution(model, makeBatches(train.data, train.labels, train.rows, DIM, 16), splitTensors(valid), settings, onEpoch);
      }
      assert.equal(whole.bestEpoch, EPOCHS, 'the training loss fell every epoch, so the straight run kept its last weights');
      const stepped: { loss: number; accuracy: number }[] = [];
      const result = await refit({
        model: layers,
        compile,
        values: {},
        rows: train,
        dataKey: `unit|${engine}`,
        batchSize: 16,
        seed: SEED,
        epochs: EPOCHS,
        engine,
        backend: 'wasm',
        onEpoch: (_, m) => stepped.push(m),
      });
      assert.equal(result.engine, engine);
      assert.equal(stepped.length, EPOCHS);
      stepped.forEach((m, e) => {
        assert.ok(Math.abs(m.loss - straight[e]!.loss) < 1e-6, `epoch ${e + 1} loss: ${m.loss} vs ${straight[e]!.loss}`);
        assert.equal(m.accuracy, straight[e]!.accuracy, `epoch ${e + 1} accuracy`);
      });
      whole.weights.tensors.forEach((t, i) => {
        const other = result.weights.tensors[i]!;
        assert.deepEqual(other.shape, t.shape);
        t.values.forEach((v, k) => assert.ok(Math.abs(v - other.values[k]!) < 1e-6, `tensor ${i}[${k}]: ${v} vs ${other.values[k]}`));
      });
    });
  }
});

describe('refit plan', () => {
  it('scales the best epoch by (train + valid) / train rows, rounded, at least 1', () => {
    assert.equal(scaledEpochs(5, 2000, 340), 6);
    assert.equal(scaledEpochs(12, 2000, 340), 14);
    assert.equal(scaledEpochs(1, 2000, 340), 1);
    assert.equal(scaledEpochs(2, 100, 25), 3);
    assert.equal(scaledEpochs(1, 1000, 1), 1);
    // Cross-validated: the best epoch trained on 4 of 5 folds of train+valid, so x 5/4.
    assert.equal(scaledEpochs(12, 2000, 340, 5), 15);
    assert.equal(scaledEpochs(4, 2000, 340, 2), 8);
  });

  it('joins train’s rows then valid’s', () => {
    const a = rows(3, 1);
    const b = rows(2, 2);
    const j = joinRows(a, b);
    assert.equal(j.rows, 5);
    assert.deepEqual(Array.from(j.labels), [...a.labels, ...b.labels]);
    assert.deepEqual(Array.from(j.data.subarray(3 * DIM)), Array.from(b.data));
    assert.throws(() => joinRows(a, { ...b, dim: DIM + 1 }), /train has 24 features per row, valid 25/);
  });
});
