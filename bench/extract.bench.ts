/**
 * `npm run bench:extract`: images/s of `tune extract --base vgg19` at 150x150 (the seed's
 * setting) on each runtime (ONNX Runtime, the default, and tfjs, each with 1 and 2 workers), against
 * the PyTorch peer (shared/peer/torch_vgg19_extract.py: VGG19 no top, the same preprocessing,
 * `--threads 2`, its fastest here) on the same images and the same weights, in the same run.
 * Prints one JSON object with each side's configuration, the load average before and after,
 * and two ratios of tune's best over the peer, each on one definition for both sides:
 * - loop: images over the time from the model loaded to the last batch done (the peer's own
 *   clock, which starts after it read its weights; tune's `loopSeconds`);
 * - process: images over the wall time from spawn to exit (start-up, reading the weights,
 *   building the model and writing the file included, on both sides).
 *
 *   node dist/bench/extract.bench.js [--images 64] [--batch 8] [--repeats 3] [--no-peer]
 *
 * Batches of 8 give each of two workers several tasks even on a short run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeImageTree } from '../test/helpers/images.js';
import { ROOT, TUNE } from '../test/helpers/tune.js';
import { benchFolder } from './bench-data.js';
import { writeVgg19ShapedWeights } from './keras-weights-file.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const IMAGES = arg('--images', 64);
const BATCH = arg('--batch', 8);
const REPEATS = arg('--repeats', 3);
/** Photos larger than the input, as the seed's were, so that decoding and resizing count. */
const PHOTO_SIZE = 224;

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const dir = benchFolder('tune-bench-');
const weights = join(dir, 'vgg19.h5');
await writeVgg19ShapedWeights(weights);
await writeImageTree(join(dir, 'images'), { man: IMAGES / 2, woman: IMAGES / 2 }, { size: PHOTO_SIZE, formats: ['jpg'] });

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), loadavgBefore: loadavg(), node: process.version };
const results = [];
const configurations: { runtime: 'onnx' | 'tfjs'; workers: number }[] = [
  { runtime: 'onnx', workers: 1 },
  // Two sessions of one intra-op thread each: one decodes and resizes while the other convolves.
  { runtime: 'onnx', workers: 2 },
  { runtime: 'tfjs', workers: 1 },
  { runtime: 'tfjs', workers: 2 },
];
for (const { runtime, workers } of configurations) {
  const runs: { imagesPerSecond: number; seconds: number; loopImagesPerSecond: number; processImagesPerSecond: number; peakRssMiB: number }[] = [];
  let described: Record<string, unknown> = {};
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    const run = spawnSync(
      process.execPath,
      [
        TUNE,
        'extract',
        join(dir, 'images'),
        join(dir, `out-${runtime}-${workers}.hdf5`),
        '--weights',
        weights,
        '--size',
        '150',
        '--runtime',
        runtime,
        '--workers',
        String(workers),
        '--batch',
        String(BATCH),
        '--overwrite',
        '--json',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const processSeconds = (performance.now() - t0) / 1000;
    if (run.status !== 0) throw new Error(run.stderr);
    const s = JSON.parse(run.stdout) as {
      imagesPerSecond: number;
      seconds: number;
      loopImagesPerSecond: number;
      peakRssMiB: number;
      backend: string;
      runtime?: string;
      threads?: number;
    };
    described = { backend: s.backend, runtime: s.runtime, threads: s.threads };
    runs.push({
      imagesPerSecond: s.imagesPerSecond,
      seconds: s.seconds,
      loopImagesPerSecond: s.loopImagesPerSecond,
      processImagesPerSecond: IMAGES / processSeconds,
      peakRssMiB: s.peakRssMiB,
    });
  }
  results.push({
    runtime,
    workers,
    ...described,
    images: IMAGES,
    batch: BATCH,
    medianImagesPerSecond: Number(median(runs.map((r) => r.imagesPerSecond)).toFixed(2)),
    medianSeconds: Number(median(runs.map((r) => r.seconds)).toFixed(2)),
    medianLoopImagesPerSecond: Number(median(runs.map((r) => r.loopImagesPerSecond)).toFixed(2)),
    medianProcessImagesPerSecond: Number(median(runs.map((r) => r.processImagesPerSecond)).toFixed(2)),
    medianPeakRssMiB: median(runs.map((r) => r.peakRssMiB)),
    runs,
  });
}
const loadavgAfterTune = loadavg();

/** The peer's fastest configuration here: 2 intra-op threads (1 thread gives about 10.8 images/s against 18.8). */
const PEER_THREADS = 2;
const PYTHON = '/usr/bin/python3';
const PEER = join(ROOT, '..', 'shared', 'peer', 'torch_vgg19_extract.py');
let peer: Record<string, unknown> | string = 'not run: --no-peer';
if (!process.argv.includes('--no-peer')) {
  if (!existsSync(PEER)) throw new Error(`the peer is not beside the repository: ${PEER} (pass --no-peer to time tune alone)`);
  const runs: { imagesPerSecond: number; seconds: number; processImagesPerSecond: number; threads: number }[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    const p = spawnSync(
      PYTHON,
      [PEER, join(dir, 'images'), join(dir, 'peer.hdf5'), '--weights', weights, '--size', '150', '--batch', String(BATCH), '--threads', String(PEER_THREADS)],
      { encoding: 'utf8' },
    );
    const processSeconds = (performance.now() - t0) / 1000;
    if (p.status !== 0) throw new Error(`torch_vgg19_extract.py failed: ${p.stderr}`);
    const out = JSON.parse(p.stdout.trim().split('\n').at(-1)!) as { images_per_s: number; seconds: number; threads: number };
    if (out.threads !== PEER_THREADS) throw new Error(`the peer ran on ${out.threads} threads, not ${PEER_THREADS}`);
    runs.push({ imagesPerSecond: out.images_per_s, seconds: out.seconds, processImagesPerSecond: IMAGES / processSeconds, threads: out.threads });
  }
  peer = {
    configuration: { threads: PEER_THREADS, batch: BATCH, size: 150, script: 'torch_vgg19_extract.py' },
    medianImagesPerSecond: Number(median(runs.map((r) => r.imagesPerSecond)).toFixed(2)),
    medianProcessImagesPerSecond: Number(median(runs.map((r) => r.processImagesPerSecond)).toFixed(2)),
    runs,
  };
}
const over = (tune: number, peerRate: unknown): number | undefined => (typeof peerRate === 'number' ? Number((tune / peerRate).toFixed(2)) : undefined);
const peerFigures = typeof peer === 'object' ? peer : {};
const ratios = {
  loop: over(Math.max(...results.map((r) => r.medianLoopImagesPerSecond)), peerFigures['medianImagesPerSecond']),
  process: over(Math.max(...results.map((r) => r.medianProcessImagesPerSecond)), peerFigures['medianProcessImagesPerSecond']),
};
console.log(
  JSON.stringify({ bench: 'extract vgg19 150x150', machine, loadavgAfterTune, loadavgAfter: loadavg(), results, peer, tuneBestOverPeer: ratios }, null, 2),
);
