import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { readFeatures } from '../src/data/read-features.js';
import { ROOT, tempDir } from './helpers/tune.js';

const SPLITS = { train: 2000, valid: 340, test: 340 };

describe('npm run demo-data', () => {
  it('re-creates the committed hdf5_data/ files: same rows, labels and features', async () => {
    const out = tempDir();
    const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'scripts', 'demo-data.js'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    for (const [split, rows] of Object.entries(SPLITS)) {
      const committed = await readFeatures(join(ROOT, 'hdf5_data', `${split}.hdf5`));
      const again = await readFeatures(join(out, `${split}.hdf5`));
      assert.equal(committed.rows, rows, split);
      assert.deepEqual(committed.meta.classNames, ['shirt', 't-shirt']);
      assert.equal(committed.labels.filter((l) => l === 1).length, rows / 2, `${split} is balanced`);
      assert.deepEqual(again.meta, committed.meta, split);
      assert.deepEqual(again.paths, committed.paths, split);
      assert.deepEqual(Array.from(again.labels), Array.from(committed.labels), split);
      let worst = 0;
      for (let i = 0; i < committed.data.length; i++) worst = Math.max(worst, Math.abs(again.data[i]! - committed.data[i]!));
      assert.ok(worst <= 1e-5, `${split}: features differ by up to ${worst}`);
      assert.ok(committed.data.some((v) => v > 0));
    }
  });
});
