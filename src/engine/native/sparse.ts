/**
 * A split's features as sparse rows (CSR), and each training batch also by column (CSC): the
 * forward product walks a row's non-zeros, the backward product a column's. Built once per
 * worker; VGG-style features after ReLU are mostly zeros (84% in the benchmark's), which is
 * where the native engine's speed comes from.
 */
export interface SparseRows {
  rows: number;
  dim: number;
  /** rows + 1 offsets into colIndex/values. */
  offsets: Int32Array;
  colIndex: Int32Array;
  values: Float32Array;
}

export interface SparseBatch {
  begin: number;
  end: number;
  /** dim + 1 offsets into rowIndex/values; rowIndex is relative to `begin`. */
  colOffsets: Int32Array;
  rowIndex: Int32Array;
  values: Float32Array;
}

export function sparseRows(data: Float32Array, rows: number, dim: number): SparseRows {
  let nonZeros = 0;
  for (let i = 0; i < rows * dim; i++) if (data[i] !== 0) nonZeros++;
  const offsets = new Int32Array(rows + 1);
  const colIndex = new Int32Array(nonZeros);
  const values = new Float32Array(nonZeros);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    for (let d = 0, at = r * dim; d < dim; d++, at++) {
      const x = data[at]!;
      if (x !== 0) {
        colIndex[k] = d;
        values[k++] = x;
      }
    }
    offsets[r + 1] = k;
  }
  return { rows, dim, offsets, colIndex, values };
}

/** Rows begin..end of a CSR split, by column. */
export function sparseBatch(split: SparseRows, begin: number, end: number): SparseBatch {
  const { dim, offsets, colIndex, values } = split;
  const colOffsets = new Int32Array(dim + 1);
  for (let k = offsets[begin]!; k < offsets[end]!; k++) colOffsets[colIndex[k]! + 1]!++;
  for (let d = 0; d < dim; d++) colOffsets[d + 1]! += colOffsets[d]!;
  const fill = colOffsets.slice(0, dim);
  const rowIndex = new Int32Array(offsets[end]! - offsets[begin]!);
  const batchValues = new Float32Array(rowIndex.length);
  for (let r = begin; r < end; r++) {
    for (let k = offsets[r]!; k < offsets[r + 1]!; k++) {
      const at = fill[colIndex[k]!]!++;
      rowIndex[at] = r - begin;
      batchValues[at] = values[k]!;
    }
  }
  return { begin, end, colOffsets, rowIndex, values: batchValues };
}
