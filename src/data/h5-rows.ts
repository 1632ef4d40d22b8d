import { Module } from 'h5wasm/node';
import { InputError } from '../errors.js';
import { quietly, type H5Dataset } from './h5.js';
import { numericView, type NumericKind } from './numeric.js';

/** What `readRows` hands its callback: the rows' elements, valid only during the call. */
export type RowValues = ReturnType<typeof numericView>;

/**
 * Reads whole rows [begin, end) of a dataset and passes them to `use` as a typed view of the
 * HDF5 heap. h5wasm's own `slice` and `value` ignore the status of the read: a chunk that fails
 * its checksum or does not inflate leaves the rest of the buffer as it was (zeros, or whatever
 * the heap held), with only HDF5's error stack on stderr. Here every read's status is checked.
 *
 * Called by readFeatures for `data` and `labels`, one slice at a time, after openForRead (which
 * loads the library). Throws InputError `/NAME[rows a-b]: cannot be read (cause)` naming the
 * first damaged chunk's rows, and InputError `/NAME: keeps its values in another file` when
 * HDF5 tries to open any file but `path` (external storage, virtual sources).
 */
export function readRows<T>(ds: H5Dataset, path: string, kind: NumericKind, begin: number, end: number, use: (values: RowValues) => T): T {
  const shape = ds.shape ?? [];
  const rowElements = shape.slice(1).reduce((a, b) => a * b, 1);
  const count = (end - begin) * rowElements;
  const ptr = Module._malloc(Math.max(1, count * kind.size));
  if (ptr === 0) throw new Error(`cannot allocate ${count * kind.size} bytes in the HDF5 heap to read ${path}`);
  try {
    const attempt = quietly(() => read(ds, shape, begin, end, ptr), path);
    if (attempt.foreign.length > 0) {
      throw new InputError(path, ds.path, `keeps its values in another file (${attempt.foreign[0]}); tune reads only self-contained feature files`);
    }
    if (attempt.value < 0 || attempt.diagnostic !== undefined) throw damaged(ds, path, shape, begin, end, attempt.diagnostic);
    // The heap may have grown during the read; take the buffer only now.
    return use(numericView(kind, Module.HEAPU8.buffer, ptr, count));
  } finally {
    Module._free(ptr);
  }
}

function read(ds: H5Dataset, shape: number[], begin: number, end: number, ptr: number): number {
  const count = [BigInt(end - begin), ...shape.slice(1).map(BigInt)];
  const offset = [BigInt(begin), ...shape.slice(1).map(() => 0n)];
  const strides = shape.map(() => 1n);
  return Module.get_dataset_data(ds.file_id, ds.path, count, offset, strides, BigInt(ptr));
}

/**
 * The error for a failed read of [begin, end): it reads chunk by chunk (only on this path, so
 * a good file pays nothing) to name the rows of the first chunk that fails, which is what the
 * user can look at with h5py. A contiguous dataset names the whole range.
 */
function damaged(ds: H5Dataset, path: string, shape: number[], begin: number, end: number, diagnostic: string | undefined): InputError {
  const chunkRows = ds.metadata.chunks?.[0];
  let first = begin;
  let last = end - 1;
  let why = diagnostic;
  if (chunkRows !== undefined && chunkRows > 0) {
    const rowBytes = shape.slice(1).reduce((a, b) => a * b, 1) * ds.metadata.size;
    const ptr = Module._malloc(Math.max(1, chunkRows * rowBytes));
    try {
      for (let at = Math.floor(begin / chunkRows) * chunkRows; at < end; at += chunkRows) {
        const lo = Math.max(at, begin);
        const hi = Math.min(at + chunkRows, end);
        const probe = quietly(() => read(ds, shape, lo, hi, ptr), path);
        if (probe.value < 0 || probe.diagnostic !== undefined) {
          [first, last, why] = [at, Math.min(at + chunkRows, shape[0]!) - 1, probe.diagnostic ?? diagnostic];
          break;
        }
      }
    } finally {
      Module._free(ptr);
    }
  }
  return new InputError(path, `${ds.path}[rows ${first}-${last}]`, `cannot be read (${cause(ds, why)})`);
}

/** HDF5's innermost message; for a failed filter, which filters the chunks pass through. */
function cause(ds: H5Dataset, diagnostic: string | undefined): string {
  const text = diagnostic ?? 'the HDF5 library reported a failed read';
  if (!/filter/i.test(text)) return text;
  const names = ds.filters.map((f) => f.name || `filter ${f.id}`);
  return names.length > 0 ? `${text}; the chunks pass through: ${names.join(', ')}` : text;
}
