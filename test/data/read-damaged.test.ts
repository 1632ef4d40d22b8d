/**
 * Damaged feature files (written by h5py, then overwritten or cut as a disk or a careless copy
 * would): readFeatures refuses each one, naming the rows of the damaged chunk, and h5py
 * itself refuses the same file, so that the damage is real. Nothing ever reads as zeros.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readFeatures } from '../../src/data/read-features.js';
import { InputError } from '../../src/errors.js';
import { python } from '../helpers/python.js';
import { ROOT, tempDir } from '../helpers/tune.js';

/** Python that writes `data` (rows x dim, seeded, no zeros) and `labels`, with dataset options. */
function write(path: string, rows: number, dim: number, dataOptions: string, labelOptions = ''): void {
  python(
    `x = np.random.default_rng(1).standard_normal((${rows}, ${dim})) + 10
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('data', data=x ${dataOptions})
    f.create_dataset('labels', data=np.arange(${rows}) % 2 ${labelOptions})`,
    [path],
  );
}

/** Overwrites `n` bytes at `delta` past the start of chunk `index` of `ds`; asserts that h5py then fails with `what`. */
function damage(path: string, ds: string, index: number, delta: number, n: number, what: string): void {
  python(
    `with h5py.File(sys.argv[1], 'r') as f:
    at = f[sys.argv[2]].id.get_chunk_info(int(sys.argv[3])).byte_offset + int(sys.argv[4])
with open(sys.argv[1], 'r+b') as g:
    g.seek(at)
    g.write(b'\\x00' * int(sys.argv[5]))
try:
    with h5py.File(sys.argv[1], 'r') as f:
        f[sys.argv[2]][:]
    raise SystemExit('h5py read the damaged file')
except OSError as e:
    assert sys.argv[6] in str(e), str(e)`,
    [path, ds, String(index), String(delta), String(n), what],
  );
}

async function refusal(path: string): Promise<InputError> {
  try {
    await readFeatures(path);
  } catch (err) {
    assert.ok(err instanceof InputError, String(err));
    return err;
  }
  throw new Error(`${path} was read`);
}

describe('readFeatures on damaged files', () => {
  const dir = tempDir();

  it('names the rows of a gzip chunk that does not inflate, and of the first one when several are damaged', async () => {
    const path = join(dir, 'gzip.hdf5');
    write(path, 2000, 64, `, chunks=(32, 64), compression='gzip'`);
    damage(path, 'data', 50, 30, 100, 'inflate() failed');
    damage(path, 'data', 20, 30, 100, 'inflate() failed');
    const err = await refusal(path);
    assert.equal(err.where, '/data[rows 640-671]');
    assert.match(err.what, /^cannot be read \(.*filter.*deflate\)$/);
  });

  it('finds a damaged chunk in a later slice of a wide file (slices of 512 rows) and in a short last chunk', async () => {
    const path = join(dir, 'wide.hdf5');
    write(path, 1100, 8192, `, chunks=(100, 8192), compression='gzip', compression_opts=1`);
    damage(path, 'data', 10, 500, 2000, 'inflate() failed');
    const err = await refusal(path);
    assert.equal(err.where, '/data[rows 1000-1099]');
  });

  it('names a chunk that fails its Fletcher-32 checksum, below a shuffle filter', async () => {
    const path = join(dir, 'fletcher.hdf5');
    write(path, 500, 16, `, chunks=(50, 16), shuffle=True, fletcher32=True`);
    damage(path, 'data', 3, 8, 16, 'Fletcher32');
    const err = await refusal(path);
    assert.equal(err.where, '/data[rows 150-199]');
    assert.match(err.what, /fletcher32/);
  });

  it('names a damaged chunk of the labels', async () => {
    const path = join(dir, 'labels.hdf5');
    write(path, 1000, 4, '', `, chunks=(100,), compression='gzip'`);
    damage(path, 'labels', 7, 2, 6, 'inflate() failed');
    const err = await refusal(path);
    assert.equal(err.where, '/labels[rows 700-799]');
  });

  it('says how much of a truncated file is missing', async () => {
    const path = join(dir, 'cut.hdf5');
    write(path, 300, 16, '');
    python(`import os\nos.truncate(sys.argv[1], os.path.getsize(sys.argv[1]) - 1000)`, [path]);
    const err = await refusal(path);
    assert.equal(err.where, 'file');
    assert.match(err.what, /^is truncated: \d+ bytes, but its HDF5 superblock records \d+ \(1000 bytes missing\)$/);
  });

  it('refuses external storage without opening the file it names (here, one outside its folder)', async () => {
    const path = join(dir, 'external.hdf5');
    const secret = join(tempDir(), 'secret.bin');
    python(
      `np.full((10, 4), 7, np.float32).tofile(sys.argv[2])
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('data', shape=(10, 4), dtype='f4', external=[(sys.argv[2], 0, h5py.h5f.UNLIMITED)])
    f.create_dataset('labels', data=np.zeros(10, np.int64))`,
      [path, secret],
    );
    const err = await refusal(path);
    assert.equal(err.where, '/data');
    assert.equal(err.what, `keeps its values in another file (${secret}); tune reads only self-contained feature files`);
  });

  it("writes nothing of HDF5's error stack to stderr", () => {
    const path = join(dir, 'quiet.hdf5');
    write(path, 200, 8, `, chunks=(20, 8), compression='gzip'`);
    damage(path, 'data', 4, 4, 40, 'inflate() failed');
    const code =
      `import('${join(ROOT, 'dist', 'src', 'data', 'read-features.js')}').then((m) => m.readFeatures(process.argv[1]))` +
      '.then(() => process.exit(3), (e) => { console.log(e.where); })';
    const run = spawnSync(process.execPath, ['-e', code, path], { encoding: 'utf8' });
    assert.equal(run.stdout.trim(), '/data[rows 80-99]');
    assert.equal(run.stderr, '');
  });
});
