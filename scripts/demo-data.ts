/**
 * `npm run demo-data`: rebuilds hdf5_data/{train,valid,test}.hdf5 from real images and a real
 * pretrained convnet, both shipped inside npm packages, through `tune extract` itself.
 *
 * - Images: Fashion-MNIST (package `fashion-mnist`), "T-shirt/top" against "Shirt", the pair a
 *   classifier confuses most: a hard two-class task like the seed's man/woman.
 * - Base: the MobileNetV2 (ImageNet-pretrained, fine-tuned by nsfwjs) shipped in `nsfwjs`, cut
 *   at `out_relu`, the end of its convolutional base, globally average-pooled.
 *
 * Sizes follow the seed: 2000 / 340 / 340 rows, balanced. Deterministic: a re-run gives the
 * same labels, rows and features.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { MOBILENET_V2_BASE_LAYER, writeNsfwjsMobileNetV2 } from './nsfwjs-model.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
// Relative to the repo root (the cwd of every step), so the files record portable paths.
const work = join('.cache', 'demo');
/** Where the three files go: hdf5_data/, or `--out DIR` (the tests compare a re-run with it). */
const outFlag = process.argv.indexOf('--out');
const out = outFlag >= 0 && process.argv[outFlag + 1] ? process.argv[outFlag + 1]! : 'hdf5_data';

/** Fashion-MNIST class ids of the two classes, and the folder names that give their labels. */
const CLASSES = [
  { id: 6, folder: 'shirt' },
  { id: 0, folder: 't-shirt' },
] as const;
/** Images per class in each split (the seed had 2000 / 340 / 340 in all). */
const SPLITS = [
  { name: 'train', perClass: 1000, seed: 1 },
  { name: 'valid', perClass: 170, seed: 2 },
  { name: 'test', perClass: 170, seed: 3 },
] as const;
/**
 * Fashion-MNIST's 28x28 images, upscaled for the base; out_relu is then 4x4x1280, averaged to
 * 1280 features. 128 px: a ridge probe on valid reached 0.86 (against 0.78 at 64 and 32 px),
 * and the three files stay near 4 MB.
 */
export const DEMO_SIZE = 128;
const SIDE = 28;

async function writeImages(): Promise<void> {
  rmSync(join(work, 'images'), { recursive: true, force: true });
  const pkgDir = dirname(require.resolve('fashion-mnist/package.json'));
  for (const cls of CLASSES) {
    const all = (JSON.parse(readFileSync(join(pkgDir, 'src', 'clothes', `${cls.id}.json`), 'utf8')) as { data: number[][] }).data;
    // The package has a few empty entries (two in class 0); only whole 28x28 images are used.
    const images = all.filter((pixels) => pixels.length === SIDE * SIDE);
    let next = 0;
    for (const split of SPLITS) {
      const dir = join(work, 'images', split.name, cls.folder);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < split.perClass; i++, next++) {
        const pixels = Buffer.from(images[next]!);
        const file = join(dir, `${String(next).padStart(4, '0')}.png`);
        await sharp(pixels, { raw: { width: SIDE, height: SIDE, channels: 1 } })
          .png()
          .toFile(file);
      }
    }
  }
}

async function main(): Promise<void> {
  process.chdir(root);
  const model = await writeNsfwjsMobileNetV2(join(work, 'mobilenet_v2'));
  await writeImages();
  mkdirSync(out, { recursive: true });
  const cli = join('dist', 'src', 'cli', 'main.js');
  for (const split of SPLITS) {
    const args = [
      cli,
      'extract',
      join(work, 'images', split.name),
      join(out, `${split.name}.hdf5`),
      '--base',
      model,
      '--layer',
      MOBILENET_V2_BASE_LAYER,
      '--size',
      String(DEMO_SIZE),
      '--pool',
      'avg',
      '--seed',
      String(split.seed),
      '--overwrite',
    ];
    const run = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
}

await main();
