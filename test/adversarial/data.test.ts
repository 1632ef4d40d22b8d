/**
 * Issue 11, failure 1 and float16 from 7: feature files that are damaged, stored elsewhere or
 * of an unusual type, all written by h5py as a user would. A damaged file is refused in one
 * line before any trial starts (no database appears); every type h5py writes is read, or
 * refused in one line.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { python } from '../helpers/python.js';
import { tinySpace, writeSpace } from '../helpers/tiny-study.js';
import { runCases, type Case } from './harness.js';

/**
 * The Python every setup starts with: `split(n)` makes learnable rows, `write` saves a split,
 * `damage` overwrites bytes, `chunk_at` finds a chunk's place in the file, and `h5py_refuses`
 * proves that h5py itself cannot read what the case damaged (so the case is not tune's fancy).
 */
const PRELUDE = `
import os
d = sys.argv[1]
rng = np.random.default_rng(4)
def split(n, dim=256):
    y = np.arange(n) % 2
    x = rng.standard_normal((n, dim)).astype(np.float32)
    x[:, :4] += 3.0 * (2.0 * (y == 1) - 1.0)[:, None]
    return x, y
def write(name, x, y, labels={}, **kw):
    with h5py.File(os.path.join(d, name), 'w') as f:
        f.create_dataset('data', data=x, **kw)
        f.create_dataset('labels', data=y, **labels)
        f.attrs['class_names'] = ['cat', 'dog']
def damage(name, offset, n, byte=None):
    with open(os.path.join(d, name), 'r+b') as f:
        f.seek(offset)
        f.write(bytes([byte]) * n if byte is not None else np.random.default_rng(9).bytes(n))
def chunk_at(name, ds, index):
    with h5py.File(os.path.join(d, name), 'r') as f:
        return f[ds].id.get_chunk_info(index).byte_offset
def h5py_refuses(name, what):
    try:
        with h5py.File(os.path.join(d, name), 'r') as f:
            f['data'][:]
            f['labels'][:]
    except Exception as e:
        assert what in str(e), str(e)
        return
    raise SystemExit(name + ': h5py read it, so the case damaged nothing')
for name in ('valid.hdf5', 'test.hdf5'):
    write(name, *split(34))
`;

/** Writes the valid and test splits, runs `body` (which writes train.hdf5) and the space file. */
function study(body: string): (dir: string) => void {
  return (dir) => {
    python(`${PRELUDE}\n${body}`, [dir]);
    writeSpace(dir, tinySpace(dir, { max_trials: 1, epochs: 1 }));
  };
}

const RUN = ['run', 'space.json', '--no-tui'];
const DB = ['trials.db', 'trials.db-wal', 'trials.db-shm'];

/** A refusal: exit 2, one line naming train.hdf5, and nothing written (no database either). */
function refused(name: string, from: string, body: string, stderr: RegExp, quick = false): Case {
  return {
    name,
    from,
    quick,
    setup: study(body),
    args: RUN,
    exit: 2,
    stderr,
    changes: [],
    check: (dir) => assert.ok(!existsSync(join(dir, 'trials.db')), 'refused before the study was opened'),
  };
}

/** A file that must be read: the run completes its one trial. */
function accepted(name: string, from: string, body: string, quick = false): Case {
  return {
    name,
    from,
    quick,
    setup: study(body),
    args: RUN,
    exit: 0,
    changes: DB,
    databases: ['trials.db'],
    check: (dir, outcome) => {
      assert.doesNotMatch(outcome.stderr, /tune:/);
      const db = new Database(join(dir, 'trials.db'), { readonly: true });
      try {
        const row = db.prepare(`SELECT count(*) AS n FROM trials WHERE status = 'complete'`).get() as { n: number };
        assert.equal(row.n, 1, 'the one trial completed');
      } finally {
        db.close();
      }
    },
  };
}

const TRAIN = String.raw`^tune: \S*train\.hdf5: `;

runCases('reading feature files', [
  refused(
    'a gzip file with 5000 bytes overwritten in the middle is refused before any trial',
    '11.1',
    `x, y = split(2000)
write('train.hdf5', x, y, chunks=(32, 256), compression='gzip')
damage('train.hdf5', os.path.getsize(os.path.join(d, 'train.hdf5')) // 2, 5000)
h5py_refuses('train.hdf5', 'inflate() failed')`,
    new RegExp(`${TRAIN}/data\\[rows \\d+-\\d+\\]: cannot be read \\(.+\\)$`),
    true,
  ),
  refused(
    'a damaged gzip chunk names the rows it holds',
    '11.1',
    `x, y = split(2000)
write('train.hdf5', x, y, chunks=(32, 256), compression='gzip')
damage('train.hdf5', chunk_at('train.hdf5', 'data', 20) + 40, 200)
h5py_refuses('train.hdf5', 'inflate() failed')`,
    new RegExp(`${TRAIN}/data\\[rows 640-671\\]: cannot be read \\(.*deflate.*\\)$`),
  ),
  refused(
    'a chunk that fails its Fletcher-32 checksum is refused',
    '11.1',
    `x, y = split(2000)
write('train.hdf5', x, y, chunks=(32, 256), fletcher32=True)
damage('train.hdf5', chunk_at('train.hdf5', 'data', 20) + 100, 8, 0)
h5py_refuses('train.hdf5', 'Fletcher32 checksum')`,
    new RegExp(`${TRAIN}/data\\[rows 640-671\\]: cannot be read \\(.*fletcher32.*\\)$`),
  ),
  refused(
    'a damaged chunk of the labels is refused',
    '11.1',
    `x, y = split(2000)
write('train.hdf5', x, y, labels=dict(chunks=(100,), compression='gzip'))
damage('train.hdf5', chunk_at('train.hdf5', 'labels', 5) + 2, 12, 0xff)
h5py_refuses('train.hdf5', 'inflate() failed')`,
    new RegExp(`${TRAIN}/labels\\[rows 500-599\\]: cannot be read \\(.+\\)$`),
  ),
  refused(
    'a truncated file says how much of it is missing',
    '11.1',
    `x, y = split(2000)
write('train.hdf5', x, y, chunks=(32, 256), compression='gzip')
os.truncate(os.path.join(d, 'train.hdf5'), os.path.getsize(os.path.join(d, 'train.hdf5')) * 3 // 4)
h5py_refuses('train.hdf5', 'truncated file')`,
    new RegExp(`${TRAIN}file: is truncated: \\d+ bytes, but its HDF5 superblock records \\d+ \\(\\d+ bytes missing\\)$`),
  ),
  refused(
    'rows stored in an external raw file (here cut short, which h5py reads as zeros) are refused',
    '11.new',
    `x, y = split(2000)
raw = os.path.join(d, 'train.raw')
x.tofile(raw)
with h5py.File(os.path.join(d, 'train.hdf5'), 'w') as f:
    f.create_dataset('data', shape=x.shape, dtype='f4', external=[(raw, 0, h5py.h5f.UNLIMITED)])
    f.create_dataset('labels', data=y)
os.truncate(raw, os.path.getsize(raw) // 2)`,
    new RegExp(`${TRAIN}/data: keeps its values in another file \\(\\S*train\\.raw\\); tune reads only self-contained feature files$`),
  ),
  refused(
    'a virtual dataset whose source file is gone (h5py reads it as zeros) is refused',
    '11.new',
    `x, y = split(2000)
write('part.hdf5', x, y)
layout = h5py.VirtualLayout(shape=x.shape, dtype='f4')
layout[:] = h5py.VirtualSource(os.path.join(d, 'part.hdf5'), 'data', shape=x.shape)
with h5py.File(os.path.join(d, 'train.hdf5'), 'w') as f:
    f.create_virtual_dataset('data', layout)
    f.create_dataset('labels', data=y)
os.remove(os.path.join(d, 'part.hdf5'))`,
    new RegExp(`${TRAIN}/data: is a virtual dataset whose values live in other files \\(\\S*part\\.hdf5\\); tune reads only self-contained feature files$`),
  ),
  refused(
    'float128 features are refused in one line, not with an internal error',
    '11.7',
    `x, y = split(200)
write('train.hdf5', x.astype(np.longdouble), y)`,
    new RegExp(`${TRAIN}/data: must be float16, float32, float64 or integers, got float128$`),
  ),
  refused(
    'labels of 2**63 are reported exactly',
    '11.new',
    `x, y = split(200)
y = y.astype(np.uint64); y[7] = 2**63
write('train.hdf5', x, y)`,
    new RegExp(`${TRAIN}/labels\\[7\\]: label must be 0..1 \\(2 classes\\), got 9223372036854775808$`),
  ),
  refused(
    'float labels with a fractional part are refused',
    '11.new',
    `x, y = split(200)
y = y.astype(np.float32); y[3] = 0.5
write('train.hdf5', x, y)`,
    new RegExp(`${TRAIN}/labels\\[3\\]: label must be a whole number, got 0.5$`),
  ),
  accepted(
    'float16 features (big-endian in train) are read and trained on',
    '11.7',
    `x, y = split(200)
write('train.hdf5', x.astype('>f2'), y, chunks=(32, 256), compression='gzip')
for name in ('valid.hdf5', 'test.hdf5'):
    with h5py.File(os.path.join(d, name), 'r') as f:
        vx, vy = f['data'][:], f['labels'][:]
    write(name, vx.astype(np.float16), vy)`,
    true,
  ),
  accepted(
    'int8 features and uint16 labels are read and trained on',
    '11.new',
    `x, y = split(200)
write('train.hdf5', np.clip(np.round(x * 20), -128, 127).astype(np.int8), y.astype(np.uint16))`,
  ),
  accepted(
    'float labels that are whole numbers, and h5py booleans, are read as classes',
    '11.new',
    `x, y = split(200)
write('train.hdf5', x, y.astype(np.float64))
with h5py.File(os.path.join(d, 'valid.hdf5'), 'r') as f:
    vx, vy = f['data'][:], f['labels'][:]
write('valid.hdf5', vx, vy.astype(bool))`,
  ),
]);
