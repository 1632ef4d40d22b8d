/**
 * `npm run bench:kernels [-- --data DIR] [--widths 37,40,150,152,300,304] [--repeats N]
 * [--optimizer rmsprop|sgd|momentum|adam]`: the
 * native engine's first-layer kernels alone, on one thread, at several pack widths, on the
 * benchmark's training batches: ms per step of the forward product, of the update (the
 * gradient rows fused with the optimizer, RMSprop as in the seed study unless --optimizer
 * names another: sgd's update has no slot and no division, so the difference shows what
 * RMSprop's slot and its square root and division cost), and of a whole step (update, then the next batch's
 * forward, as the engine calls it). One optimizer group spans each width, so a width that is
 * not a whole number of the kernels' vectors runs the scalar tails that pack.ts pads away: 150
 * against 152 shows what the padding buys. Prints one JSON object; each figure is the best of
 * --repeats epochs, since on a shared machine other work only ever slows a run down.
 *
 * Without --data, the files are made by the peer's make_features.py (see bench/bench-data.ts)
 * in a temporary folder, removed at the end.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readFeatures } from '../src/data/read-features.js';
import { nativeKernels } from '../src/engine/native/addon.js';
import { sparseSplits } from '../src/engine/native/pack.js';
import { blockColumns, type SparseBlocks } from '../src/engine/native/sparse.js';
import { Rng } from '../src/random/rng.js';
import { tempDir } from '../test/helpers/tune.js';
import { benchData, flag, numberFlag } from './bench-data.js';

const WIDTHS = [37, 40, 150, 152, 300, 304];
const REPEATS = 5;
/** The first layer's optimizer kinds (native/first_layer.c), with Keras' default hyperparameters. */
const OPTIMIZERS = {
  sgd: { kind: 0, hyper: [0, 0, 0] },
  rmsprop: { kind: 1, hyper: [0.9, 0, 1e-7] },
  adam: { kind: 2, hyper: [0.9, 0.999, 1e-7] },
  momentum: { kind: 3, hyper: [0.9, 0, 0] },
} as const;
const BATCH = 32;

const widths = flag('--widths')?.split(',').map(Number) ?? WIDTHS;
if (widths.some((w) => !Number.isInteger(w) || w < 1)) throw new Error(`--widths needs whole numbers >= 1 separated by commas, got ${flag('--widths')}`);
const repeats = numberFlag('--repeats', REPEATS);
const optimizerName = flag('--optimizer') ?? 'rmsprop';
if (!Object.hasOwn(OPTIMIZERS, optimizerName)) throw new Error(`--optimizer is one of ${Object.keys(OPTIMIZERS).join(', ')}, got ${optimizerName}`);
const optimizer = OPTIMIZERS[optimizerName as keyof typeof OPTIMIZERS];
const { kernels, why } = nativeKernels();
if (!kernels) throw new Error(`the native engine is not built: ${why}`);
const work = tempDir('tune-bench-kernels-');
try {
  const data = benchData(work);
  const train = await readFeatures(join(data.dir, 'train.hdf5'));
  const valid = await readFeatures(join(data.dir, 'valid.hdf5'));
  const split = sparseSplits(train, valid, BATCH).train;
  const results = widths.map((width) => timeWidth(split, width));
  console.log(
    JSON.stringify(
      {
        bench: 'kernels',
        ...(data.made ? { dataMadeBy: data.made } : {}),
        node: process.version,
        lanes: kernels.lanes,
        batch: BATCH,
        optimizer: optimizerName,
        steps: split.blocks.length,
        nonZerosPerStep: Math.round(split.values.length / split.blocks.length),
        dim: split.dim,
        repeats,
        results,
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

function timeWidth(split: SparseBlocks, width: number) {
  const k = kernels!;
  const rng = new Rng(width);
  const small = (): number => (rng.next() - 0.5) * 0.02;
  const w = Float32Array.from({ length: split.dim * width }, small);
  const none = new Float32Array(0);
  const s1 = optimizer.kind === 0 ? none : new Float32Array(w.length);
  const s2 = optimizer.kind === 2 ? new Float32Array(w.length) : none;
  // Adam's bias corrections at its first step, 1 / (1 - beta^1), per column.
  const c1 = optimizer.kind === 2 ? new Float32Array(width).fill(1 / (1 - 0.9)) : none;
  const c2 = optimizer.kind === 2 ? new Float32Array(width).fill(1 / (1 - 0.999)) : none;
  const lr = new Float32Array(width).fill(1e-3);
  const groups = Int32Array.from([0, width, optimizer.kind]);
  const hyper = Float64Array.from(optimizer.hyper);
  const dOut = Float32Array.from({ length: BATCH * width }, small);
  const out = new Float32Array(BATCH * width);
  const bias = new Float32Array(width);
  const blocks = split.blocks;
  const rowsOf = (i: number): number => blocks[i]!.end - blocks[i]!.begin;
  const forward = (i: number): void => k.forward(blockColumns(split, i), split.rowIndex, split.values, rowsOf(i), w, bias, out, width);
  const update = (i: number): void =>
    k.step(blockColumns(split, i), split.rowIndex, split.values, dOut.subarray(0, rowsOf(i) * width), w, s1, s2, width, groups, lr, c1, c2, hyper);
  const step = (i: number): void => {
    const n = (i + 1) % blocks.length;
    k.step(
      blockColumns(split, i),
      split.rowIndex,
      split.values,
      dOut.subarray(0, rowsOf(i) * width),
      w,
      s1,
      s2,
      width,
      groups,
      lr,
      c1,
      c2,
      hyper,
      blockColumns(split, n),
      split.rowIndex,
      split.values,
      rowsOf(n),
      bias,
      out,
    );
  };
  /** ms per step, the best of the repeats, after one epoch that is not timed. */
  const best = (call: (i: number) => void): number => {
    let least = Infinity;
    for (let r = 0; r <= repeats; r++) {
      const t = performance.now();
      for (let i = 0; i < blocks.length; i++) call(i);
      if (r > 0) least = Math.min(least, (performance.now() - t) / blocks.length);
    }
    return Number(least.toFixed(4));
  };
  const forwardMs = best(forward);
  const macs = (split.values.length / blocks.length) * width;
  return {
    width,
    wholeVectors: width % k.lanes === 0,
    forwardMs,
    forwardGMacPerS: Number((macs / forwardMs / 1e6).toFixed(2)),
    updateMs: best(update),
    stepMs: best(step),
  };
}
