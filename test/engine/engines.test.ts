import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useBackend } from '../../src/engine/backend.js';
import { nativeKernels, type NativeKernels } from '../../src/engine/native/addon.js';
import { trainPack } from '../../src/engine/native/pack.js';
import { trainPackTfjs } from '../../src/engine/tfjs-pack.js';
import { makeBatches, splitTensors, trainExecution, type ExecutionResult } from '../../src/engine/train.js';
import type { EpochMetrics } from '../../src/domain/trial.js';
import { close, model, ok, packData, sameResult, settings, split, type Case } from './engine-cases.js';

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
  for (const optimizer of ['rmsprop', 'adam', 'momentum', 'sgd'] as const) {
    for (const dropout of [false, true]) cases.push({ optimizer, dropout, hidden: dropout ? 2 : 1, classes: 2 });
    cases.push({ optimizer, dropout: true, hidden: 3, classes: 10 });
  }
  // Every other hidden activation of the native tail with every optimizer, both losses, dropout on and off, depths 1 to 3.
  (['sigmoid', 'tanh', 'linear'] as const).forEach((activation, i) =>
    (['rmsprop', 'adam', 'momentum', 'sgd'] as const).forEach((optimizer, j) =>
      cases.push({ optimizer, dropout: j % 2 === 0, hidden: 1 + ((i + j) % 3), classes: (i + j) % 2 ? 10 : 2, activation }),
    ),
  );
  for (const c of cases) {
    const name = `${c.activation ?? 'relu'}, ${c.optimizer}, dropout ${c.dropout ? 'on' : 'off'}, ${c.hidden} hidden, ${c.classes} classes`;
    it(`native equals tfjs: ${name}`, async () => {
      const train = split(80, c.classes, 1);
      const valid = split(30, c.classes, 2);
      const m = model(c);
      const tfjs: EpochMetrics[] = [];
      const result = await trainExecution(m, makeBatches(train.data, train.labels, train.rows, train.dim, 16), splitTensors(valid), settings(5), (_, x) =>
        tfjs.push(x),
      );
      const native: EpochMetrics[] = [];
      const [packed] = await trainPack(kernels, packData(train, valid, 16), [{ model: m, settings: settings(5), onEpoch: (_, x) => native.push(x) }]);
      sameResult({ result: ok(packed), epochs: native }, { result, epochs: tfjs }, name);
    });
  }

  for (const classes of [2, 10]) {
    it(`every model trained in one pack ends exactly as it does alone (${classes} classes, all optimizers, activations, depths and widths mixed)`, async () => {
      const train = split(80, classes, 3);
      const valid = split(30, classes, 4);
      const data = packData(train, valid, 16);
      const members = cases.filter((c) => c.classes === classes).map((c, i) => ({ model: model(c), seed: i + 1, epochs: 4 }));
      // Early stopping takes this one out of the pack after epoch 2 at the latest.
      members.push({ model: model({ optimizer: 'adam', dropout: false, hidden: 3, classes }), seed: 20, epochs: 2 });
      // This one's loss blows up in its first epoch: it leaves the pack with its error.
      members.push({ model: model({ optimizer: 'sgd', dropout: false, hidden: 1, classes, learningRate: 1e30 }), seed: 21, epochs: 4 });
      const run = (list: typeof members) => {
        const epochs = list.map(() => [] as EpochMetrics[]);
        const done: (ExecutionResult | Error)[] = [];
        return trainPack(
          kernels,
          data,
          list.map((x, i) => ({
            model: x.model,
            settings: settings(x.seed, x.epochs),
            onEpoch: (_: number, m: EpochMetrics) => epochs[i]!.push(m),
            onDone: (r: ExecutionResult | Error) => (done[i] = r),
          })),
        ).then((results) => ({ results, epochs, done }));
      };
      const together = await run(members);
      assert.ok(new Set(members.map((m) => m.model.optimizer.name + m.model.optimizer.momentum)).size >= 4, 'the pack mixes optimizers');
      const activations = members.flatMap((m) => m.model.layers.flatMap((l, k) => (l.kind === 'dense' && k < m.model.layers.length - 1 ? [l.activation] : [])));
      assert.equal(new Set(activations).size, 4, 'the pack mixes every hidden activation');
      for (let i = 0; i < members.length; i++) {
        const alone = await run([members[i]!]);
        assert.deepEqual(together.epochs[i], alone.epochs[0], `member ${i}: the same metrics, epoch for epoch`);
        assert.deepEqual(together.results[i], alone.results[0], `member ${i}: the same weights and optimizer state`);
        assert.equal(together.done[i], together.results[i], `member ${i}: onDone heard its result`);
      }
      assert.equal(together.epochs[members.length - 2]!.length, 2);
      const failed = together.results[members.length - 1];
      assert.ok(failed instanceof Error && /^loss became (NaN|Infinity) at epoch 1$/.test(failed.message), String(failed));
      assert.ok(together.results.slice(0, -1).every((r) => !(r instanceof Error)));
    });
  }

  for (const classes of [2, 10]) {
    it(`the tfjs pack: every model ends as it does alone in tfjs, within float rounding (${classes} classes, all optimizers mixed)`, async () => {
      const train = split(80, classes, 3);
      const valid = split(30, classes, 4);
      const batches = makeBatches(train.data, train.labels, train.rows, train.dim, 16);
      const validTensors = splitTensors(valid);
      const members = cases.filter((c) => c.classes === classes).map((c, i) => ({ model: model(c), seed: i + 1, epochs: 3 }));
      members.push({ model: model({ optimizer: 'adam', dropout: false, hidden: 3, classes }), seed: 20, epochs: 2 });
      members.push({ model: model({ optimizer: 'sgd', dropout: false, hidden: 1, classes, learningRate: 1e30 }), seed: 21, epochs: 3 });
      const epochs = members.map(() => [] as EpochMetrics[]);
      const done: (ExecutionResult | Error)[] = [];
      const together = await trainPackTfjs(
        batches,
        validTensors,
        members.map((x, i) => ({
          model: x.model,
          settings: settings(x.seed, x.epochs),
          onEpoch: (_: number, m: EpochMetrics) => epochs[i]!.push(m),
          onDone: (r: ExecutionResult | Error) => (done[i] = r),
        })),
      );
      for (let i = 0; i < members.length - 1; i++) {
        const alone: EpochMetrics[] = [];
        const result = await trainExecution(members[i]!.model, batches, validTensors, settings(members[i]!.seed, members[i]!.epochs), (_, x) => alone.push(x));
        sameResult({ result: ok(together[i]), epochs: epochs[i]! }, { result, epochs: alone }, `member ${i}`);
        const checkpoint = ok(together[i]).checkpoint!;
        assert.equal(checkpoint.slots.tensors.length, result.checkpoint!.slots.tensors.length, `member ${i}: its optimizer slots, as alone`);
        checkpoint.slots.tensors.forEach((t, k) =>
          t.values.forEach((v, j) => close(v, result.checkpoint!.slots.tensors[k]!.values[j]!, `member ${i} slot ${k}[${j}]`, 1e-3)),
        );
        assert.equal(done[i], together[i]);
      }
      const failed = together[members.length - 1];
      assert.ok(failed instanceof Error && /^loss became (NaN|Infinity) at epoch 1$/.test(failed.message), String(failed));
    });
  }

  it('a native checkpoint resumes in tfjs and the other way, as if training never stopped', async () => {
    const train = split(80, 2, 5);
    const valid = split(30, 2, 6);
    for (const optimizer of ['adam', 'momentum'] as const) {
      const m = model({ optimizer, dropout: false, hidden: 1, classes: 2 });
      const data = packData(train, valid, 16);
      const batches = makeBatches(train.data, train.labels, train.rows, train.dim, 16);
      const validTensors = splitTensors(valid);
      const straight: EpochMetrics[] = [];
      await trainExecution(m, batches, validTensors, { ...settings(7, 4), objective: 'loss' }, (_, x) => straight.push(x));
      const [first] = await trainPack(kernels, data, [{ model: m, settings: { ...settings(7, 2), objective: 'loss' }, onEpoch: () => {} }]);
      assert.equal(ok(first).bestEpoch, 2);
      const rest: EpochMetrics[] = [];
      await trainExecution(m, batches, validTensors, { ...settings(9, 2), objective: 'loss', resume: ok(first).checkpoint! }, (_, x) => rest.push(x));
      rest.forEach((x, e) => close(x.loss, straight[e + 2]!.loss, `${optimizer} epoch ${e + 3} loss`));
    }
  });
});
