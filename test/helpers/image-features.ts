import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MOBILENET_V2_BASE_LAYER, writeNsfwjsMobileNetV2 } from '../../scripts/nsfwjs-model.js';
import { writeImageTree } from './images.js';
import { tune } from './tune.js';

/**
 * The whole recipe on a small scale, for end-to-end tests of the commands after it: writes
 * seeded cat/dog JPEG folders (16 train, 8 valid, 8 test, 48 px) and a real MobileNetV2 base
 * under `dir`, and extracts `dir`/{train,valid,test}.hdf5 with `tune extract` (average pooling).
 */
export async function extractImageFeatures(dir: string): Promise<void> {
  const model = await writeNsfwjsMobileNetV2(join(dir, 'mnv2'));
  for (const [split, n] of Object.entries({ train: 16, valid: 8, test: 8 })) {
    await writeImageTree(join(dir, 'images', split), { cat: n / 2, dog: n / 2 }, { size: 48, seed: n * 7 + split.length });
    const args = ['extract', join(dir, 'images', split), join(dir, `${split}.hdf5`), '--base', model, '--layer', MOBILENET_V2_BASE_LAYER, '--size', '48'];
    const run = tune([...args, '--pool', 'avg']);
    assert.equal(run.code, 0, run.stderr);
  }
}
