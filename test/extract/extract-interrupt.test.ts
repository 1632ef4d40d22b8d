import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { writeNsfwjsMobileNetV2 } from '../../scripts/nsfwjs-model.js';
import { writeImageTree } from '../helpers/images.js';
import { ROOT, TUNE, listing, tempDir } from '../helpers/tune.js';

describe('tune extract interrupted', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-run: exit 130, and no file or temporary file is left`, async () => {
      const d = tempDir();
      const model = await writeNsfwjsMobileNetV2(join(d, 'model'));
      await writeImageTree(join(d, 'im'), { a: 30, b: 30 }, { size: 64 });
      const before = listing(d);
      const child = spawn(
        process.execPath,
        [TUNE, 'extract', join(d, 'im'), join(d, 'o.hdf5'), '--base', model, '--layer', 'out_relu', '--size', '160', '--batch', '1', '--workers', '1'],
        { cwd: ROOT },
      );
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise<void>((resolve) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          // Signal once the first rows are written, so the temporary file exists.
          if (/extract: \d+\/60 images/.test(stderr)) resolve();
        });
      });
      assert.ok(
        listing(d).some((name) => name.endsWith('.tmp')),
        'the temporary file exists mid-run',
      );
      child.kill(signal);
      const code = await exited;
      assert.equal(code, 130, stderr);
      assert.match(stderr, /tune: interrupted\n$/);
      assert.deepEqual(listing(d), before);
    });
  }
});
