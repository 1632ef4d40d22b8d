import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { digestFile } from '../../src/data/file-digest.js';
import { ROOT, tempDir } from '../helpers/tune.js';

describe('digestFile (hashing on its own thread)', () => {
  const dir = tempDir();

  it('gives the size and sha256 of the bytes, for files larger and smaller than one read', async () => {
    for (const size of [0, 10, (1 << 20) * 3 + 7]) {
      const path = join(dir, `f${size}`);
      const bytes = randomBytes(size);
      writeFileSync(path, bytes);
      assert.deepEqual(await digestFile(path), { size, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
  });

  it('hashes several files at once, each with its own result', async () => {
    const files = ['a', 'b', 'c'].map((name, i) => {
      const bytes = randomBytes(1000 * (i + 1));
      writeFileSync(join(dir, name), bytes);
      return { path: join(dir, name), sha256: createHash('sha256').update(bytes).digest('hex') };
    });
    const digests = await Promise.all(files.map((f) => digestFile(f.path)));
    assert.deepEqual(
      digests.map((d) => d.sha256),
      files.map((f) => f.sha256),
    );
  });

  it("throws the system's error with its code and the path", async () => {
    const path = join(dir, 'missing');
    await assert.rejects(digestFile(path), (err: NodeJS.ErrnoException) => err.code === 'ENOENT' && err.path === path);
  });

  it('never keeps the process alive once it has answered', () => {
    const path = join(dir, 'f10');
    const url = new URL(`file://${join(ROOT, 'dist', 'src', 'data', 'file-digest.js')}`).href;
    const script = join(dir, 'digest-one.mjs');
    writeFileSync(script, `const { digestFile } = await import('${url}');\nconsole.log((await digestFile('${path}')).size);\n`);
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.error, undefined, 'the process did not exit by itself within 20 s');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), '10');
  });
});
