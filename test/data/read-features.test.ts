import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkSplitsAgree } from '../../src/data/feature-set.js';
import { readFeatures } from '../../src/data/read-features.js';
import { InputError } from '../../src/errors.js';
import { python } from '../helpers/python.js';
import { tempDir } from '../helpers/tune.js';

/** Writes an HDF5 file with h5py from a Python body that has `f` open for writing. */
function h5py(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  python(`f = h5py.File(sys.argv[1], 'w')\n${body}\nf.close()`, [path]);
  return path;
}

describe('readFeatures', () => {
  const dir = tempDir();

  it('reads an h5py file with chunking, gzip, float64 data and int32 labels', async () => {
    const path = h5py(
      dir,
      'h5py.hdf5',
      `rng = np.random.default_rng(0)
x = rng.standard_normal((70, 12))
f.create_dataset('data', data=x, chunks=(32, 12), compression='gzip', compression_opts=6)
f.create_dataset('labels', data=(np.arange(70) % 3).astype(np.int32))
f.attrs['class_names'] = ['a', 'b', 'c']
np.save(sys.argv[1] + '.npy', x.astype(np.float32))`,
    );
    const set = await readFeatures(path);
    assert.deepEqual([set.rows, set.dim], [70, 12]);
    assert.deepEqual(set.meta.classNames, ['a', 'b', 'c']);
    assert.deepEqual(Array.from(set.labels.subarray(0, 5)), [0, 1, 2, 0, 1]);
    const expected = JSON.parse(python(`print(json.dumps(np.load(sys.argv[1] + '.npy').ravel().tolist()))`, [path])) as number[];
    assert.deepEqual(Array.from(set.data), expected);
  });

  it('reads a wide file slice by slice (32 MiB at a time), every row in its place', async () => {
    // 1100 rows of 8192 float64 features: 72 MB, read in slices of 512 rows.
    const path = h5py(
      dir,
      'wide.hdf5',
      `f['data'] = (np.arange(1100 * 8192, dtype=np.float64).reshape(1100, 8192) % 1000003) / 7\nf['labels'] = np.arange(1100) % 2`,
    );
    const set = await readFeatures(path);
    assert.deepEqual([set.rows, set.dim], [1100, 8192]);
    for (let i = 0; i < set.data.length; i += 997) assert.equal(set.data[i], Math.fround((i % 1000003) / 7), `element ${i}`);
    assert.equal(set.data[set.data.length - 1], Math.fround(((set.data.length - 1) % 1000003) / 7));
  });

  it('reads uint8 labels stored as a column (N, 1), as some writers do', async () => {
    const path = h5py(dir, 'column.hdf5', `f['data'] = np.ones((4, 3), np.float32)\nf['labels'] = np.array([[0], [1], [1], [0]], np.uint8)`);
    const set = await readFeatures(path);
    assert.deepEqual(Array.from(set.labels), [0, 1, 1, 0]);
  });

  it('loads into shared memory that a worker thread sees without a copy', async () => {
    const path = h5py(dir, 'shared.hdf5', `f['data'] = np.zeros((8, 4), np.float32)\nf['labels'] = np.zeros(8, np.int64)`);
    const set = await readFeatures(path);
    assert.ok(set.data.buffer instanceof SharedArrayBuffer);
    assert.ok(set.labels.buffer instanceof SharedArrayBuffer);
    const worker = new Worker('const { parentPort, workerData } = require("node:worker_threads"); workerData[5] = 42; parentPort.postMessage("done");', {
      eval: true,
      workerData: set.data,
    });
    await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
    await worker.terminate();
    assert.equal(set.data[5], 42, 'the write made in the worker is visible here: the memory is shared');
  });

  const bad: { name: string; body?: string; raw?: string | Buffer; where: string; what: RegExp }[] = [
    { name: 'missing', where: 'file', what: /does not exist/ },
    { name: 'empty', raw: '', where: 'file', what: /is empty \(0 bytes\)/ },
    { name: 'not HDF5', raw: 'data,labels\n1,0\n', where: 'file', what: /is not a readable HDF5 file \(file signature not found\)/ },
    { name: 'no data', body: `f['labels'] = np.zeros(3, np.int64)`, where: '/data', what: /dataset is missing/ },
    { name: 'no labels', body: `f['data'] = np.zeros((3, 2), np.float32)`, where: '/labels', what: /dataset is missing/ },
    { name: 'data is a group', body: `f.create_group('data')\nf['labels'] = np.zeros(3, np.int64)`, where: '/data', what: /is not a dataset/ },
    {
      name: 'rank 3',
      body: `f['data'] = np.zeros((3, 2, 2), np.float32)\nf['labels'] = np.zeros(3, np.int64)`,
      where: '/data',
      what: /must have rank 2 \(rows, features\), got shape \[3, 2, 2\]/,
    },
    {
      name: 'float128 data',
      body: `f['data'] = np.zeros((3, 2), np.longdouble)\nf['labels'] = np.zeros(3, np.int64)`,
      where: '/data',
      what: /must be float16, float32, float64 or integers, got float128$/,
    },
    {
      name: 'complex data',
      body: `f['data'] = np.zeros((3, 2), np.complex64)\nf['labels'] = np.zeros(3, np.int64)`,
      where: '/data',
      what: /must be float16, float32, float64 or integers, got type class 6$/,
    },
    {
      name: 'boolean data',
      body: `f['data'] = np.zeros((3, 2), bool)\nf['labels'] = np.zeros(3, np.int64)`,
      where: '/data',
      what: /must be float16, float32, float64 or integers, got bool$/,
    },
    {
      name: 'string labels',
      body: `f['data'] = np.zeros((3, 2), np.float32)\nf['labels'] = np.array([b'a', b'b', b'a'])`,
      where: '/labels',
      what: /must be integers \(or floats that are whole numbers\), got type class 3$/,
    },
    {
      name: 'fractional float labels',
      body: `f['data'] = np.zeros((3, 2), np.float32)\nf['labels'] = np.array([0, 1, 0.25], np.float16)`,
      where: '/labels[2]',
      what: /label must be a whole number, got 0.25$/,
    },
    {
      name: 'NaN labels',
      body: `f['data'] = np.zeros((3, 2), np.float32)\nf['labels'] = np.array([0, np.nan, 1])`,
      where: '/labels[1]',
      what: /label must be a whole number, got NaN$/,
    },
    {
      name: 'labels beyond int32',
      body: `f['data'] = np.zeros((3, 2), np.float32)\nf['labels'] = np.array([0, 2**31, 1], np.uint32)`,
      where: '/labels[1]',
      what: /label must be 0..2147483647, got 2147483648$/,
    },
    {
      name: 'row counts differ',
      body: `f['data'] = np.zeros((3, 2), np.float32)\nf['labels'] = np.zeros(4, np.int64)`,
      where: '/labels',
      what: /has 4 rows, but \/data has 3/,
    },
    { name: 'no rows', body: `f['data'] = np.zeros((0, 2), np.float32)\nf['labels'] = np.zeros(0, np.int64)`, where: '/data', what: /has no rows/ },
    {
      name: 'NaN',
      body: `x = np.zeros((3, 2), np.float32); x[2, 1] = np.nan\nf['data'] = x\nf['labels'] = np.zeros(3, np.int64)`,
      where: '/data[2, 1]',
      what: /feature is NaN/,
    },
    {
      name: 'infinite',
      body: `x = np.zeros((3, 2)); x[1, 0] = -np.inf\nf['data'] = x\nf['labels'] = np.zeros(3, np.int64)`,
      where: '/data[1, 0]',
      what: /feature is -infinite/,
    },
    {
      // float32 rows are copied and checked natively, one 32 MiB slice (1024 rows here) at a time.
      name: 'infinite in a later slice of float32',
      body: `x = np.zeros((1100, 8192), np.float32); x[1050, 5000] = np.inf\nf['data'] = x\nf['labels'] = np.zeros(1100, np.int64)`,
      where: '/data[1050, 5000]',
      what: /feature is \+infinite/,
    },
    {
      name: 'float64 beyond float32',
      body: `x = np.zeros((3, 2)); x[0, 1] = 1e300\nf['data'] = x\nf['labels'] = np.zeros(3, np.int64)`,
      where: '/data[0, 1]',
      what: /feature is \+infinite/,
    },
    {
      name: 'negative label',
      body: `f['data'] = np.zeros((3, 2), np.float32)\nf['labels'] = np.array([0, -1, 0])`,
      where: '/labels[1]',
      what: /label must be 0..2147483647, got -1/,
    },
    {
      name: 'label outside the classes',
      body: `f['data'] = np.zeros((3, 2), np.float32)\nf['labels'] = np.array([0, 1, 2])\nf.attrs['class_names'] = ['man', 'woman']`,
      where: '/labels[2]',
      what: /label must be 0..1 \(2 classes\), got 2/,
    },
  ];
  for (const c of bad) {
    it(`refuses a file that is ${c.name}, naming the place`, async () => {
      const name = `${c.name.replace(/\W+/g, '-')}.hdf5`;
      const path = c.body !== undefined ? h5py(dir, name, c.body) : join(dir, name);
      if (c.raw !== undefined) writeFileSync(path, c.raw);
      await assert.rejects(readFeatures(path), (err: unknown) => {
        assert.ok(err instanceof InputError, String(err));
        assert.equal(err.file, path);
        assert.equal(err.where, c.where);
        assert.match(err.what, c.what);
        return true;
      });
    });
  }

  it('refuses splits of different widths or class names', async () => {
    const a = h5py(dir, 'w8.hdf5', `f['data'] = np.zeros((2, 8), np.float32)\nf['labels'] = np.zeros(2, np.int64)`);
    const b = h5py(dir, 'w9.hdf5', `f['data'] = np.zeros((2, 9), np.float32)\nf['labels'] = np.zeros(2, np.int64)`);
    const splits = [
      { path: a, set: await readFeatures(a) },
      { path: b, set: await readFeatures(b) },
    ];
    assert.throws(() => checkSplitsAgree(splits), /w9\.hdf5: \/data: has 9 features per row, but .*w8\.hdf5 has 8/);
    const c = h5py(dir, 'n1.hdf5', `f['data'] = np.zeros((2, 8), np.float32)\nf['labels'] = np.zeros(2, np.int64)\nf.attrs['class_names'] = ['x', 'y']`);
    const d = h5py(dir, 'n2.hdf5', `f['data'] = np.zeros((2, 8), np.float32)\nf['labels'] = np.zeros(2, np.int64)\nf.attrs['class_names'] = ['y', 'x']`);
    const named = [
      { path: c, set: await readFeatures(c) },
      { path: d, set: await readFeatures(d) },
    ];
    assert.throws(() => checkSplitsAgree(named), /n2\.hdf5: \/class_names: are \[y, x\], but .*n1\.hdf5 has \[x, y\]/);
    checkSplitsAgree([named[0]!, { path: a, set: splits[0]!.set }]);
  });
});
