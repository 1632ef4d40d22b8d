/**
 * Every element type h5py writes for features and labels, read by readFeatures and compared
 * with numpy's own conversion of the same values (bit for bit, so -0 and rounding count).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readFeatures } from '../../src/data/read-features.js';
import { InputError } from '../../src/errors.js';
import { python } from '../helpers/python.js';
import { tempDir } from '../helpers/tune.js';

/**
 * Writes `data` of numpy type `dtype` (from the float64 values `source` builds) with labels
 * 0/1, and beside it the float32 bits numpy's astype gives, as FILE.expected.
 */
function write(dir: string, name: string, dtype: string, source: string, extra = ''): string {
  const path = join(dir, name);
  python(
    `x = (${source}).astype(np.dtype(sys.argv[2]))
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('data', data=x ${extra})
    f.create_dataset('labels', data=np.arange(x.shape[0]) % 2)
x.astype(np.float32).tofile(sys.argv[1] + '.expected')`,
    [path, dtype],
  );
  return path;
}

function expectedBits(path: string): Uint32Array {
  const bytes = readFileSync(`${path}.expected`);
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

describe('readFeatures: every type h5py writes', () => {
  const dir = tempDir();

  it('reads every finite float16 exactly (62 x 1024: all 63488 of them), little- and big-endian, chunked and gzip', async () => {
    // The bit patterns whose exponent is not all ones: zeros, subnormals, normals, both signs.
    const every = `np.array([b for b in range(0x10000) if (b >> 10) & 0x1f != 0x1f], np.uint16).view(np.float16).astype(np.float64).reshape(62, 1024)`;
    for (const [dtype, extra] of [
      ['<f2', ''],
      ['>f2', `, chunks=(8, 256), compression='gzip', shuffle=True`],
    ] as const) {
      const path = write(dir, `half-${dtype === '<f2' ? 'le' : 'be'}.hdf5`, dtype, every, extra);
      const set = await readFeatures(path);
      assert.deepEqual([set.rows, set.dim], [62, 1024]);
      const want = expectedBits(path);
      assert.equal(want.length, 63488);
      assert.deepEqual(bits(set.data), want, dtype);
      assert.ok(set.data.includes(65504) && set.data.includes(-(2 ** -24)), 'the largest normal and the smallest subnormal are there');
    }
  });

  it('refuses float16 infinities and NaNs by their place', async () => {
    const path = write(dir, 'half-inf.hdf5', 'float16', `np.array([[1.0, 2.0], [70000.0, 0.0]])`);
    await assert.rejects(readFeatures(path), (err: unknown) => err instanceof InputError && err.where === '/data[1, 0]' && err.what === 'feature is +infinite');
  });

  const ints = ['int8', 'uint8', 'int16', 'uint16', '>i2', 'int32', 'uint32', 'int64', 'uint64', '>u8'];
  for (const dtype of ints) {
    it(`reads ${dtype} features at the ends of their range, rounded as numpy rounds them`, async () => {
      // Each type's min and max, small values, and values near float32 halfways (2**24 + 1, 2**53 + 3, ...).
      const source = `np.array([v for v in [np.iinfo(np.dtype(sys.argv[2])).min, np.iinfo(np.dtype(sys.argv[2])).max, 0, 1, 2, 127,
        2**24 + 1, 2**24 + 3, -(2**24) - 1, 2**31 - 65, 2**53 + 3, 2**60 + 2**36, 2**60 + 2**36 + 1, -(2**63) + 2**39 + 1, 2**64 - 2**39]
        if np.iinfo(np.dtype(sys.argv[2])).min <= v <= np.iinfo(np.dtype(sys.argv[2])).max] + [0] * 32, dtype=object)[:32].reshape(4, 8)`;
      const path = join(dir, `int-${dtype.replace(/\W/g, '_')}.hdf5`);
      python(
        `x = (${source}).astype(np.dtype(sys.argv[2]))
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('data', data=x)
    f.create_dataset('labels', data=np.arange(4) % 2)
x.astype(np.float32).tofile(sys.argv[1] + '.expected')`,
        [path, dtype],
      );
      const set = await readFeatures(path);
      assert.deepEqual(bits(set.data), expectedBits(path));
    });
  }

  it('reads float32 and float64 (big-endian too), rounding float64 to the nearest float32', async () => {
    for (const dtype of ['<f4', '>f4', '<f8', '>f8']) {
      const path = write(dir, `f-${dtype.replace(/\W/g, '_')}.hdf5`, dtype, `np.random.default_rng(3).standard_normal((5, 7)) * 1e3`);
      assert.deepEqual(bits((await readFeatures(path)).data), expectedBits(path), dtype);
    }
  });

  const labelTypes = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', '>i8', 'bool', 'float16', 'float32', 'float64'];
  for (const dtype of labelTypes) {
    it(`reads ${dtype} labels`, async () => {
      const path = join(dir, `labels-${dtype.replace(/\W/g, '_')}.hdf5`);
      const top = dtype === 'bool' ? 1 : dtype === 'int8' ? 127 : 255;
      python(
        `y = (np.arange(300) % (${top} + 1)).astype(np.dtype(sys.argv[2]))
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('data', data=np.zeros((300, 2), np.float32))
    f.create_dataset('labels', data=y, chunks=(64,), compression='gzip')`,
        [path, dtype],
      );
      const set = await readFeatures(path);
      assert.deepEqual(
        Array.from(set.labels),
        Array.from({ length: 300 }, (_, i) => i % (top + 1)),
      );
    });
  }

  it('refuses an h5py enum that is not a boolean, naming the type', async () => {
    const path = join(dir, 'enum.hdf5');
    python(
      `t = h5py.enum_dtype({'RED': 0, 'GREEN': 1}, basetype='i1')
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('data', data=np.zeros((2, 2), np.float32))
    f.create_dataset('labels', data=np.array([0, 1], np.int8), dtype=t)`,
      [path],
    );
    await assert.rejects(readFeatures(path), /must be integers \(or floats that are whole numbers\), got enum/);
  });
});
