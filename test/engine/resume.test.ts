import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useBackend } from '../../src/engine/backend.js';
import { concreteModel } from '../../src/engine/model-spec.js';
import { makeBatches, splitTensors, trainExecution, type ExecutionSettings } from '../../src/engine/train.js';
import { Rng } from '../../src/random/rng.js';
import type { CompileSpec, LayerSpec, OptimizerName } from '../../src/space/study-spec.js';
import type { EpochMetrics } from '../../src/domain/trial.js';

/** 96 rows of 12 features, two classes a little apart: loss falls steadily for a few epochs. */
function data(rows: number, seed: number) {
  const rng = new Rng(seed);
  const dim = 12;
  const x = new Float32Array(rows * dim);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    y[r] = r % 2;
    for (let d = 0; d < dim; d++) x[r * dim + d] = rng.next() - 0.5 + (d < 3 ? y[r]! * 0.4 : 0);
  }
  return { data: x, labels: y, rows, dim };
}

const layers: LayerSpec[] = [
  { kind: 'dense', units: 8, activation: 'relu' },
  { kind: 'dense', units: 1, activation: 'sigmoid' },
];

describe('a promoted trial continues from its parent’s checkpoint', () => {
  before(async () => {
    await useBackend('wasm');
  });

  for (const optimizer of ['rmsprop', 'adam', 'sgd'] as OptimizerName[]) {
    it(`2 epochs, then 2 more from the checkpoint, equal 4 straight epochs (${optimizer})`, async () => {
      const train = data(96, 1);
      const batches = makeBatches(train.data, train.labels, train.rows, train.dim, 16);
      const valid = splitTensors(data(40, 2));
      const compile: CompileSpec = {
        loss: 'binary_crossentropy',
        optimizer: { name: optimizer, learningRate: optimizer === 'sgd' ? 0.1 : 0.01 },
        metrics: ['accuracy'],
      };
      const model = concreteModel(layers, compile, {}, train.dim);
      const settings: ExecutionSettings = { epochs: 4, objective: 'loss', direction: 'min', seed: 7, checkpoint: true };
      const straight: EpochMetrics[] = [];
      const whole = await trainExecution(model, batches, valid, settings, (_, m) => straight.push(m));
      const first = await trainExecution(model, batches, valid, { ...settings, epochs: 2 }, () => {});
      assert.equal(first.bestEpoch, 2, 'the loss fell in both epochs, so the checkpoint is at epoch 2');
      assert.ok(first.checkpoint && first.checkpoint.iterations === 2 * batches.batches.length, `the optimizer took ${first.checkpoint?.iterations} steps`);
      if (optimizer !== 'sgd') assert.equal(first.checkpoint.slots.tensors.length, 8, 'two slots per weight tensor');
      const resumed: EpochMetrics[] = [];
      const rest = await trainExecution(model, batches, valid, { ...settings, epochs: 2, resume: first.checkpoint, seed: 99 }, (_, m) => resumed.push(m));
      assert.equal(whole.bestEpoch, 4);
      for (let e = 0; e < 2; e++) {
        for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) {
          assert.ok(Math.abs(resumed[e]![key] - straight[e + 2]![key]) < 1e-5, `epoch ${e + 3} ${key}: ${resumed[e]![key]} vs ${straight[e + 2]![key]}`);
        }
      }
      whole.weights.tensors.forEach((t, i) => {
        const other = rest.weights.tensors[i]!.values;
        t.values.forEach((v, k) => assert.ok(Math.abs(v - other[k]!) < 1e-5, `tensor ${i}[${k}]: ${v} vs ${other[k]}`));
      });
    });
  }

  it('refuses a checkpoint of another model’s shapes', async () => {
    const train = data(32, 1);
    const batches = makeBatches(train.data, train.labels, train.rows, train.dim, 16);
    const valid = splitTensors(data(8, 2));
    const compile: CompileSpec = { loss: 'binary_crossentropy', optimizer: { name: 'adam' }, metrics: ['accuracy'] };
    const model = concreteModel(layers, compile, {}, train.dim);
    const wide = concreteModel([{ kind: 'dense', units: 4, activation: 'relu' }, layers[1]!], compile, {}, train.dim);
    const settings: ExecutionSettings = { epochs: 1, objective: 'loss', direction: 'min', seed: 1, checkpoint: true };
    const { checkpoint } = await trainExecution(wide, batches, valid, settings, () => {});
    await assert.rejects(
      trainExecution(model, batches, valid, { ...settings, resume: checkpoint! }, () => {}),
      /do not fit the model \[12x8, 8, 8x1, 1\]/,
    );
  });
});
