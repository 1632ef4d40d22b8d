import { nativeKernels } from './addon.js';

/**
 * A split's features in blocks of rows (the training batches, or the whole valid split), each
 * block stored by columns (CSC): for every input d, the block's non-zero rows and values. The
 * native kernels walk the weights row by row, each read once per block, and touch only non-zero
 * inputs: VGG-style features after ReLU are mostly zeros (84% in the benchmark's), which is
 * where the native engine's speed comes from. Made once by the main thread in shared memory,
 * so that every worker reads the same copy.
 */
export interface SparseBlocks {
  rows: number;
  dim: number;
  blocks: { begin: number; end: number }[];
  /** blocks x (dim + 1) offsets into rowIndex/values, absolute. */
  colOffsets: Int32Array;
  /** Row of each non-zero, relative to its block's begin. */
  rowIndex: Int32Array;
  values: Float32Array;
}

const shared = <T extends Int32Array | Float32Array>(Kind: new (buffer: SharedArrayBuffer) => T, length: number): T =>
  new Kind(new SharedArrayBuffer(4 * length));

/**
 * Cuts rows x dim features into blocks of `blockRows` rows (the last may be smaller), with the
 * native kernels (which train on it, so they are there whenever this is called).
 */
export function sparseBlocks(data: Float32Array, rows: number, dim: number, blockRows: number): SparseBlocks {
  const { kernels, why } = nativeKernels();
  if (!kernels) throw new Error(`the native engine is not available: ${why}`);
  const blocks: SparseBlocks['blocks'] = [];
  for (let begin = 0; begin < rows; begin += blockRows) blocks.push({ begin, end: Math.min(rows, begin + blockRows) });
  const colOffsets = shared(Int32Array, blocks.length * (dim + 1));
  const nonZeros = kernels.sparseCount(data, rows, dim, blockRows, colOffsets);
  const rowIndex = shared(Int32Array, nonZeros);
  const values = shared(Float32Array, nonZeros);
  kernels.sparseFill(data, rows, dim, blockRows, colOffsets, rowIndex, values);
  return { rows, dim, blocks, colOffsets, rowIndex, values };
}

/** Block i's column offsets. */
export function blockColumns(split: SparseBlocks, i: number): Int32Array {
  return split.colOffsets.subarray(i * (split.dim + 1), (i + 1) * (split.dim + 1));
}
