import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useBackend } from '../../src/engine/backend.js';
import { nativeKernels, type NativeKernels } from '../../src/engine/native/addon.js';
import { trainPack } from '../../src/engine/native/pack.js';
import { trainPackTfjs } from '../../src/engine/tfjs-pack.js';
import { makeBatches, splitTensors, trainExecution, type ExecutionResult, type ExecutionSettings } from '../../src/engine/train.js';
import type { EpochMetrics } from '../../src/domain/trial.js';
import type { ConcreteModel } from '../../src/engine/model-spec.js';
import { Rng } from '../../src/random/rng.js';
import { model, ok, packData, sameResult, settings, split, type Case } from './engine-cases.js';

/*
 * trainWeights and validRows (ExecutionSettings): every engine, packed or alone, trains each
 * member on its own weighted rows and judges it on its own validation rows, the same way.
 */

const TRAIN_ROWS = 80;
const VALID_ROWS = 30;
const BATCH = 16;

/** Weights of 0 (a fold held out), 1 and 3, seeded; rows 16..31 (the second batch) all 0, so that the member sits that step out. */
function weights(seed: number, idleBatch = true): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: TRAIN_ROWS }, (_, r) => (idleBatch && r >= BATCH && r < 2 * BATCH ? 0 : [0, 1, 3][Math.floor(rng.next() * 3)]!));
}

function someRows(seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from(Array.from({ length: VALID_ROWS }, (_, r) => r).filter(() => rng.next() < 0.6));
}

const CASES: Case[] = [
  { optimizer: 'adam', dropout: true, hidden: 2, classes: 2 },
  { optimizer: 'rmsprop', dropout: false, hidden: 1, classes: 2 },
  { optimizer: 'momentum', dropout: true, hidden: 1, classes: 10 },
  { optimizer: 'sgd', dropout: true, hidden: 3, classes: 10 },
];

interface Run {
  model: ConcreteModel;
  settings: ExecutionSettings;
}

/** Per case of `classes` classes, three members of one model: rows of its own (a batch sat out), weights with no batch sat out, every row. */
function mixedRuns(classes: number): Run[] {
  return CASES.filter((c) => c.classes === classes).flatMap((c, i) => [
    { model: model(c), settings: { ...settings(1 + i), trainWeights: weights(30 + i), validRows: someRows(40 + i) } },
    { model: model(c), settings: { ...settings(1 + i), trainWeights: weights(50 + i, false) } },
    { model: model(c), settings: settings(1 + i) },
  ]);
}

async function native(kernels: NativeKernels, classes: number, runs: Run[]) {
  const epochs = runs.map(() => [] as EpochMetrics[]);
  const results = await trainPack(
    kernels,
    packData(split(TRAIN_ROWS, classes, 1), split(VALID_ROWS, classes, 2), BATCH),
    runs.map((r, i) => ({ ...r, onEpoch: (_: number, m: EpochMetrics) => epochs[i]!.push(m) })),
  );
  return { results, epochs };
}

function tfjsData(classes: number) {
  const train = split(TRAIN_ROWS, classes, 1);
  return { batches: makeBatches(train.data, train.labels, train.rows, train.dim, BATCH), valid: splitTensors(split(VALID_ROWS, classes, 2)) };
}

async function tfjsAlone(classes: number, run: Run) {
  const { batches, valid } = tfjsData(classes);
  const epochs: EpochMetrics[] = [];
  const result = await trainExecution(run.model, batches, valid, run.settings, (_, m) => epochs.push(m));
  return { result, epochs };
}

describe('rows of their own: trainWeights and validRows in every engine', () => {
  let kernels: NativeKernels;
  before(async () => {
    const loaded = nativeKernels();
    assert.ok(loaded.kernels, `the native kernels are not built: ${loaded.why}`);
    kernels = loaded.kernels;
    await useBackend('wasm');
  });

  for (const [i, c] of CASES.entries()) {
    const name = `${c.optimizer}, dropout ${c.dropout ? 'on' : 'off'}, ${c.hidden} hidden, ${c.classes} classes`;
    it(`native equals tfjs with weighted rows, a batch sat out and some validation rows: ${name}`, async () => {
      const run = { model: model(c), settings: { ...settings(5 + i), trainWeights: weights(10 + i), validRows: someRows(20 + i) } };
      const n = await native(kernels, c.classes, [run]);
      const t = await tfjsAlone(c.classes, run);
      sameResult({ result: ok(n.results[0]), epochs: n.epochs[0]! }, { result: t.result, epochs: t.epochs }, name);
    });
  }

  for (const classes of [2, 10]) {
    it(`each member of a native pack, with its own rows, ends exactly as it does alone (${classes} classes)`, async () => {
      const runs = mixedRuns(classes);
      const together = await native(kernels, classes, runs);
      for (const [i, run] of runs.entries()) {
        const alone = await native(kernels, classes, [run]);
        assert.deepEqual(together.epochs[i], alone.epochs[0], `member ${i}: the same metrics, epoch for epoch`);
        assert.deepEqual(together.results[i], alone.results[0], `member ${i}: the same weights and optimizer state`);
      }
      assert.notDeepEqual(together.epochs[0], together.epochs[2], 'rows of its own change what a member learns');
    });

    it(`each member of a tfjs pack, with its own rows, ends as it does alone, within float rounding (${classes} classes)`, async () => {
      const runs = mixedRuns(classes);
      const { batches, valid } = tfjsData(classes);
      const epochs = runs.map(() => [] as EpochMetrics[]);
      const together = await trainPackTfjs(
        batches,
        valid,
        runs.map((r, i) => ({ ...r, onEpoch: (_: number, m: EpochMetrics) => epochs[i]!.push(m) })),
      );
      for (const [i, run] of runs.entries()) {
        const alone = await tfjsAlone(classes, run);
        sameResult({ result: ok(together[i]), epochs: epochs[i]! }, alone, `member ${i}`);
      }
    });
  }

  it('a row of weight 0 is left out entirely; weights of 1 and every validation row change nothing', async () => {
    const c = CASES[0]!;
    const base = { model: model(c), settings: settings(3) };
    const plain = await native(kernels, 2, [base]);
    const ones = await native(kernels, 2, [
      {
        ...base,
        settings: { ...base.settings, trainWeights: new Float32Array(TRAIN_ROWS).fill(1), validRows: Int32Array.from({ length: VALID_ROWS }, (_, r) => r) },
      },
    ]);
    assert.deepEqual(ones, plain);
    const w = weights(7);
    const some = { ...base, settings: { ...base.settings, trainWeights: w } };
    const before = await native(kernels, 2, [some]);
    // Flip the label of every row of weight 0 and scramble its features: nothing changes.
    const train = split(TRAIN_ROWS, 2, 1);
    const valid = split(VALID_ROWS, 2, 2);
    for (let r = 0; r < TRAIN_ROWS; r++) {
      if (w[r]! > 0) continue;
      train.labels[r] = 1 - train.labels[r]!;
      for (let d = 0; d < train.dim; d++) train.data[r * train.dim + d] = (d * 7 + r) % 5;
    }
    const after = await trainPack(kernels, packData(train, valid, BATCH), [{ ...some, onEpoch: () => {} }]);
    assert.deepEqual(after[0], before.results[0] as ExecutionResult);
    assert.ok(before.epochs[0]!.every((m, e) => m.loss !== plain.epochs[0]![e]!.loss));
  });

  it('refuses weights that do not fit the split, and validation rows outside it', async () => {
    const base = { model: model(CASES[0]!), settings: settings(3) };
    for (const [what, bad] of [
      ['too few weights', { trainWeights: new Float32Array(3).fill(1) }],
      ['a negative weight', { trainWeights: new Float32Array(TRAIN_ROWS).fill(-1) }],
      ['every weight 0', { trainWeights: new Float32Array(TRAIN_ROWS) }],
      ['a row past the split', { validRows: Int32Array.from([VALID_ROWS]) }],
      ['no validation row', { validRows: new Int32Array(0) }],
    ] as const) {
      await assert.rejects(native(kernels, 2, [{ ...base, settings: { ...base.settings, ...bad } }]), Error, `native: ${what}`);
      await assert.rejects(tfjsAlone(2, { ...base, settings: { ...base.settings, ...bad } }), Error, `tfjs: ${what}`);
    }
  });
});
