import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nativeKernels } from '../../src/engine/native/addon.js';
import { blockColumns, sparseBlocks } from '../../src/engine/native/sparse.js';
import { Rng } from '../../src/random/rng.js';

/** Features as the engine sees them after ReLU: mostly zeros, some -0, the rest positive or negative. */
function features(rows: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * dim }, () => {
    const u = rng.next();
    return u < 0.8 ? 0 : u < 0.85 ? -0 : (u - 0.9) * 10;
  });
}

/** The dense rows that a sparse split stands for, rebuilt from its columns. */
function dense(split: ReturnType<typeof sparseBlocks>): Float32Array {
  const out = new Float32Array(split.rows * split.dim);
  split.blocks.forEach(({ begin, end }, i) => {
    const off = blockColumns(split, i);
    for (let d = 0; d < split.dim; d++) {
      let last = -1;
      for (let k = off[d]!; k < off[d + 1]!; k++) {
        const r = split.rowIndex[k]!;
        assert.ok(r > last && begin + r < end, `block ${i} column ${d}: row ${r} in order and inside the block`);
        assert.notEqual(split.values[k], 0);
        out[(begin + r) * split.dim + d] = split.values[k]!;
        last = r;
      }
    }
  });
  return out;
}

describe('sparse blocks (native/sparse.c)', () => {
  for (const [rows, dim, blockRows] of [
    [100, 37, 32],
    [64, 8, 64],
    [5, 3, 1],
    [33, 1, 32],
  ] as const) {
    it(`holds exactly the non-zeros of ${rows} x ${dim} in blocks of ${blockRows}, each once`, () => {
      const data = features(rows, dim, rows * dim);
      const split = sparseBlocks(data, rows, dim, blockRows);
      assert.deepEqual(
        split.blocks.map((b) => b.end - b.begin),
        Array.from({ length: Math.ceil(rows / blockRows) }, (_, i) => Math.min(blockRows, rows - i * blockRows)),
      );
      const nonZeros = data.filter((x) => x !== 0).length;
      assert.ok(nonZeros > 0);
      assert.equal(split.values.length, nonZeros);
      assert.equal(split.colOffsets.at(-1), nonZeros);
      // -0 becomes +0: the two are the same input to a product.
      assert.deepEqual(
        dense(split),
        data.map((x) => (x === 0 ? 0 : x)),
      );
    });
  }

  it('gives an empty split for no rows, and refuses arrays that do not fit', () => {
    const empty = sparseBlocks(new Float32Array(0), 0, 4, 32);
    assert.equal(empty.blocks.length, 0);
    assert.equal(empty.values.length, 0);
    const kernels = nativeKernels().kernels!;
    const data = features(10, 4, 1);
    assert.throws(() => kernels.sparseCount(data, 11, 4, 4, new Int32Array(3 * 5)), /shapes do not fit/);
    assert.throws(() => kernels.sparseCount(data, 10, 4, 4, new Int32Array(2 * 5)), /column offsets do not fit/);
    const off = new Int32Array(3 * 5);
    const n = kernels.sparseCount(data, 10, 4, 4, off);
    assert.throws(() => kernels.sparseFill(data, 10, 4, 4, off, new Int32Array(n - 1), new Float32Array(n - 1)), /must hold every non-zero/);
    // Rows that gained a non-zero after counting are refused, not written past their column.
    const changed = data.map((x) => (x === 0 ? 1 : x));
    assert.throws(() => kernels.sparseFill(changed, 10, 4, 4, off, new Int32Array(n), new Float32Array(n)), /changed since sparseCount/);
  });
});
