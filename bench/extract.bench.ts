/**
 * `npm run bench`: images/s of `tune extract` with VGG19 at 150x150 (the seed's setting), with
 * 1 and 2 workers, and the process's peak memory. Prints one JSON object.
 *
 *   node dist/bench/extract.bench.js [--images 64] [--batch 8] [--repeats 3]
 *
 * Batches of 8 give each of two workers several tasks even on a short run.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeImageTree } from '../test/helpers/images.js';
import { ROOT, TUNE, tempDir } from '../test/helpers/tune.js';
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

const dir = tempDir('tune-bench-');
const weights = join(dir, 'vgg19.h5');
await writeVgg19ShapedWeights(weights);
await writeImageTree(join(dir, 'images'), { man: IMAGES / 2, woman: IMAGES / 2 }, { size: PHOTO_SIZE, formats: ['jpg'] });

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), loadavgBefore: loadavg(), node: process.version };
const results = [];
for (const workers of [1, 2]) {
  const runs: { imagesPerSecond: number; seconds: number; peakRssMiB: number }[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const run = spawnSync(
      process.execPath,
      [TUNE, 'extract', join(dir, 'images'), join(dir, `out-${workers}.hdf5`), '--weights', weights, '--size', '150', '--workers', String(workers), '--batch', String(BATCH), '--overwrite', '--json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(run.stderr);
    const s = JSON.parse(run.stdout) as { imagesPerSecond: number; seconds: number; peakRssMiB: number; backend: string };
    runs.push({ imagesPerSecond: s.imagesPerSecond, seconds: s.seconds, peakRssMiB: s.peakRssMiB });
  }
  results.push({
    workers,
    images: IMAGES,
    batch: BATCH,
    medianImagesPerSecond: Number(median(runs.map((r) => r.imagesPerSecond)).toFixed(2)),
    medianSeconds: Number(median(runs.map((r) => r.seconds)).toFixed(2)),
    medianPeakRssMiB: median(runs.map((r) => r.peakRssMiB)),
    runs,
  });
}
console.log(JSON.stringify({ bench: 'extract vgg19 150x150', machine, loadavgAfter: loadavg(), results }, null, 2));
