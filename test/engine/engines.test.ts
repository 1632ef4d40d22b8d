import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useBackend } from '../../src/engine/backend.js';
import { concreteModel, type ConcreteModel } from '../../src/engine/model-spec.js';
import { nativeKernels, type NativeKernels } from '../../src/engine/native/addon.js';
import { packData as makePack, sparseSplits, trainPack } from '../../src/engine/native/pack.js';
import { makeBatches, splitTensors, trainExecution, type ExecutionResult, type ExecutionSettings } from '../../src/engine/train.js';
import { Rng } from '../../src/random/rng.js';
import type { CompileSpec, LayerSpec, OptimizerName } from '../../src/space/study-spec.js';
import type { EpochMetrics } from '../../src/study/trial.js';

const DIM = 48;

type Split = { data: Float32Array; labels: Int32Array; rows: number; dim: number };
const packData = (train: Split, valid: Split, batchSize: number) => makePack(sparseSplits(train, valid, batchSize), train.labels, valid.labels);

/** Non-negative, mostly-zero features (ReLU of shifted noise, as VGG's) with a class signal. */
function split(rows: number, classes: number, seed: number) {
  const rng = new Rng(seed);
  const data = new Float32Array(rows * DIM);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    labels[r] = r % classes;
    for (let d = 0; d < DIM; d++) data[r * DIM + d] = Math.max(0, rng.next() * 2 - 1.2 + (d % classes === labels[r] ? 0.6 : 0));
  }
  return { data, labels, rows, dim: DIM };
}

interface Case {
  optimizer: OptimizerName;
  dropout: boolean;
  hidden: number;
  classes: number;
}

function model(c: Case): ConcreteModel {
  const layers: LayerSpec[] = [];
  [12, 8, 6].slice(0, c.hidden).forEach((units) => {
    layers.push({ kind: 'dense', units, activation: 'relu' });
    if (c.dropout) layers.push({ kind: 'dropout', rate: 0.3 });
  });
  layers.push(c.classes === 2 ? { kind: 'dense', units: 1, activation: 'sigmoid' } : { kind: 'dense', units: c.classes, activation: 'softmax' });
  const lr = { sgd: 0.1, rmsprop: 0.01, adam: 0.01 }[c.optimizer];
  const compile: CompileSpec = { loss: c.classes === 2 ? 'binary_crossentropy' : 'sparse_categorical_crossentropy', optimizer: { name: c.optimizer, learningRate: lr }, metrics: ['accuracy'] };
  return concreteModel(layers, compile, {}, DIM);
}

const settings = (seed: number, epochs = 3): ExecutionSettings => ({ epochs, objective: 'val_loss', direction: 'min', seed, checkpoint: true });

function close(a: number, b: number, what: string, tolerance = 2e-4): void {
  assert.ok(Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);
}

function sameResult(native: { result: ExecutionResult; epochs: EpochMetrics[] }, tfjs: { result: ExecutionResult; epochs: EpochMetrics[] }, what: string): void {
  assert.equal(native.epochs.length, tfjs.epochs.length);
  native.epochs.forEach((m, e) => (['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const).forEach((k) => close(m[k], tfjs.epochs[e]![k], `${what} epoch ${e + 1} ${k}`)));
  assert.equal(native.result.bestEpoch, tfjs.result.bestEpoch, `${what}: best epoch`);
  native.result.weights.tensors.forEach((t, i) => {
    assert.deepEqual(t.shape, tfjs.result.weights.tensors[i]!.shape);
    t.values.forEach((v, k) => close(v, tfjs.result.weights.tensors[i]!.values[k]!, `${what} tensor ${i}[${k}]`, 1e-3));
  });
}

describe('training engines: native kernels against tfjs, packed against alone', () => {
  let kernels: NativeKernels;
  before(async () => {
    const native = nativeKernels();
    // Built by `npm install` (scripts/build-native.mjs); a test that needs it fails loudly without it.
    assert.ok(native.kernels, `the native kernels are not built: ${native.why}`);
    kernels = native.kernels;
    await useBackend('wasm');
  });

  const cases: Case[] = [];
  for (const optimizer of ['rmsprop', 'adam', 'sgd'] as const) {
    for (const dropout of [false, true]) cases.push({ optimizer, dropout, hidden: dropout ? 2 : 1, classes: 2 });
    cases.push({ optimizer, dropout: true, hidden: 3, classes: 10 });
  }
  for (const c of cases) {
    const name = `${c.optimizer}, dropout ${c.dropout ? 'on' : 'off'}, ${c.hidden} hidden, ${c.classes} classes`;
    it(`native equals tfjs: ${name}`, async () => {
      const train = split(80, c.classes, 1);
      const valid = split(30, c.classes, 2);
      const m = model(c);
      const tfjs: EpochMetrics[] = [];
      const result = await trainExecution(m, makeBatches(train.data, train.labels, train.rows, train.dim, 16), splitTensors(valid), settings(5), (_, x) => tfjs.push(x));
      const native: EpochMetrics[] = [];
      const [packed] = await trainPack(kernels, packData(train, valid, 16), [{ model: m, settings: settings(5), onEpoch: (_, x) => native.push(x) }]);
      sameResult({ result: packed!, epochs: native }, { result, epochs: tfjs }, name);
    });
  }

  it('a model trained in a pack ends exactly as it does alone, whatever its pack mates', async () => {
    const train = split(80, 2, 3);
    const valid = split(30, 2, 4);
    const data = packData(train, valid, 16);
    const members = [
      { model: model({ optimizer: 'rmsprop', dropout: true, hidden: 1, classes: 2 }), seed: 1, epochs: 4 },
      { model: model({ optimizer: 'rmsprop', dropout: true, hidden: 2, classes: 2 }), seed: 2, epochs: 4 },
      // Early stopping takes this one out of the pack after epoch 2 at the latest.
      { model: model({ optimizer: 'rmsprop', dropout: false, hidden: 3, classes: 2 }), seed: 3, epochs: 2 },
    ];
    const run = (list: typeof members) => {
      const epochs = list.map(() => [] as EpochMetrics[]);
      return trainPack(kernels, data, list.map((x, i) => ({ model: x.model, settings: settings(x.seed, x.epochs), onEpoch: (_: number, m: EpochMetrics) => epochs[i]!.push(m) }))).then((results) => ({ results, epochs }));
    };
    const together = await run(members);
    for (let i = 0; i < members.length; i++) {
      const alone = await run([members[i]!]);
      assert.deepEqual(together.epochs[i], alone.epochs[0], `member ${i}: the same metrics, epoch for epoch`);
      assert.deepEqual(together.results[i], alone.results[0], `member ${i}: the same weights and optimizer state`);
    }
    assert.equal(together.epochs[2]!.length, 2);
  });

  it('a native checkpoint resumes in tfjs and the other way, as if training never stopped', async () => {
    const train = split(80, 2, 5);
    const valid = split(30, 2, 6);
    const m = model({ optimizer: 'adam', dropout: false, hidden: 1, classes: 2 });
    const data = packData(train, valid, 16);
    const batches = makeBatches(train.data, train.labels, train.rows, train.dim, 16);
    const validTensors = splitTensors(valid);
    const straight: EpochMetrics[] = [];
    await trainExecution(m, batches, validTensors, { ...settings(7, 4), objective: 'loss' }, (_, x) => straight.push(x));
    const [first] = await trainPack(kernels, data, [{ model: m, settings: { ...settings(7, 2), objective: 'loss' }, onEpoch: () => {} }]);
    assert.equal(first!.bestEpoch, 2);
    const rest: EpochMetrics[] = [];
    await trainExecution(m, batches, validTensors, { ...settings(9, 2), objective: 'loss', resume: first!.checkpoint! }, (_, x) => rest.push(x));
    rest.forEach((x, e) => close(x.loss, straight[e + 2]!.loss, `epoch ${e + 3} loss`));
  });
});
