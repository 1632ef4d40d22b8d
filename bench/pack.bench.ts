/**
 * `npm run bench:pack [-- --data DIR] [--epochs N] [--repeats N]`: one pack of the native
 * engine, timed on one thread: 4 value sets of the seed's study (search-spaces/gender.json)
 * x 2 executions, first-layer widths 64, 64, 32, 32, 16, 16, 32, 32, trained together for
 * --epochs on the benchmark's features. Prints one JSON object: per run and as the median of
 * the runs, wall and CPU ms per trial-execution-epoch, and where the time went: inside the
 * first layer's kernels (forward and step), inside the native tail (when the engine has one),
 * and everything else (the tail when it runs in JavaScript, the epoch loop, the metrics).
 *
 * The kernels are timed by wrapping them, so the engine itself carries no timers. Without
 * --data, the files are made by the peer's make_features.py (see bench/bench-data.ts) in a
 * temporary folder, removed at the end.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readFeatures } from '../src/data/read-features.js';
import { concreteModel } from '../src/engine/model-spec.js';
import { nativeKernels, type NativeKernels } from '../src/engine/native/addon.js';
import { packData, sparseSplits, trainPack, type PackMember } from '../src/engine/native/pack.js';
import type { Values } from '../src/space/hyperparameter.js';
import { readSpaceFile } from '../src/space/parse-space.js';
import { ROOT, tempDir } from '../test/helpers/tune.js';
import { benchData, numberFlag } from './bench-data.js';

const EPOCHS = 10;
const REPEATS = 3;
const EXECUTIONS = 2;
/** The lead's profiled pack (issue 10): widths 64, 32, 16, 32, with and without the extra layer. */
const VALUE_SETS: Values[] = [
  { first_dense: 64, dropout_rate: 0.5, extra_dense_layer: true, extra_dense: 8 },
  { first_dense: 32, dropout_rate: 0.3, extra_dense_layer: false },
  { first_dense: 16, dropout_rate: 0.7 },
  { first_dense: 32, dropout_rate: 0.6, extra_dense_layer: true, extra_dense: 16 },
];
/** The first layer's kernels; any other function of the addon that trainPack calls is the tail's. */
const FIRST_LAYER = new Set(['forward', 'step']);

const epochs = numberFlag('--epochs', EPOCHS);
const repeats = numberFlag('--repeats', REPEATS);
const { kernels, why } = nativeKernels();
if (!kernels) throw new Error(`the native engine is not built: ${why}`);
const spec = readSpaceFile(join(ROOT, 'search-spaces', 'gender.json'));
const work = tempDir('tune-bench-pack-');
const data = benchData(work);
const train = await readFeatures(join(data.dir, 'train.hdf5'));
const valid = await readFeatures(join(data.dir, 'valid.hdf5'));
const pack = packData(sparseSplits(train, valid, spec.tuner.batchSize), train.labels, valid.labels);

/** The kernels, each call's time added to its bucket (first layer, or native tail). */
function timed(base: NativeKernels, spent: { firstLayer: number; nativeTail: number }): NativeKernels {
  // The addon's functions are read-only and not enumerable: each is named and wrapped here.
  const wrapper: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(base)) {
    const f = (base as unknown as Record<string, unknown>)[name];
    if (typeof f !== 'function') {
      wrapper[name] = f;
      continue;
    }
    const bucket = FIRST_LAYER.has(name) ? 'firstLayer' : 'nativeTail';
    wrapper[name] = (...args: unknown[]): unknown => {
      const t = performance.now();
      const out: unknown = f.apply(base, args);
      spent[bucket] += performance.now() - t;
      return out;
    };
  }
  return wrapper as unknown as NativeKernels;
}

interface Run {
  ms: number;
  cpuMs: number;
  firstLayerMs: number;
  nativeTailMs: number;
  restMs: number;
}

async function once(): Promise<Run> {
  const members: PackMember[] = [];
  for (const [i, values] of VALUE_SETS.entries()) {
    for (let e = 0; e < EXECUTIONS; e++) {
      const model = concreteModel(spec.model, spec.compile, values, train.dim);
      members.push({ model, settings: { epochs, objective: 'val_accuracy', direction: 'max', seed: i * EXECUTIONS + e + 1 }, onEpoch: () => {} });
    }
  }
  const spent = { firstLayer: 0, nativeTail: 0 };
  const cpu = process.cpuUsage();
  const t = performance.now();
  const results = await trainPack(timed(kernels!, spent), pack, members);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const failed = results.find((r) => r instanceof Error);
  if (failed) throw failed;
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    firstLayerMs: spent.firstLayer,
    nativeTailMs: spent.nativeTail,
    restMs: ms - spent.firstLayer - spent.nativeTail,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (x: number): number => Math.round(x * 1000) / 1000;

const runs: Run[] = [];
try {
  for (let r = 0; r < repeats; r++) runs.push(await once());
} finally {
  // The features it made (and the folder it made for them), never a --data folder.
  rmSync(work, { recursive: true, force: true });
}
const perEpoch = (x: number): number => round(x / (VALUE_SETS.length * EXECUTIONS * epochs));
const med = (k: keyof Run): number => median(runs.map((run) => run[k]));
console.log(
  JSON.stringify(
    {
      bench: 'pack',
      ...(data.made ? { dataMadeBy: data.made } : {}),
      node: process.version,
      members: VALUE_SETS.length * EXECUTIONS,
      widths: VALUE_SETS.flatMap((v) => Array<unknown>(EXECUTIONS).fill(v['first_dense'])),
      epochs,
      batch: spec.tuner.batchSize,
      trainRows: train.rows,
      validRows: valid.rows,
      dim: train.dim,
      msPerTrialExecutionEpoch: perEpoch(med('ms')),
      cpuMsPerTrialExecutionEpoch: perEpoch(med('cpuMs')),
      medianMs: {
        total: round(med('ms')),
        cpu: round(med('cpuMs')),
        firstLayer: round(med('firstLayerMs')),
        nativeTail: round(med('nativeTailMs')),
        rest: round(med('restMs')),
      },
      runs: runs.map((run) => Object.fromEntries(Object.entries(run).map(([k, v]) => [k, round(v)]))),
    },
    null,
    2,
  ),
);
