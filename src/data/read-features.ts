import { nativeKernels } from '../engine/native/addon.js';
import { InputError } from '../errors.js';
import { numberAttr, openForRead, quietly, requireDataset, stringAttr, type H5Dataset, type H5File } from './h5.js';
import { readRows } from './h5-rows.js';
import { copyToFloat32, numericKind, typeName, type NumericKind } from './numeric.js';
import { META_ATTRS, type FeatureMeta } from './feature-meta.js';
import { sharedFloat32, sharedInt32, type FeatureSet } from './feature-set.js';

/**
 * Reads a feature file in the seed's layout (`data` (N, D) numbers, `labels` (N,) classes),
 * whoever wrote it: tune, h5py, Keras. Accepts chunked and compressed datasets; features of
 * float16 (converted exactly), float32, float64 or any integer width (rounded to float32);
 * labels of any integer width, h5py booleans, or floats that are whole numbers. Loads
 * everything once into shared memory, checking the status of every read: no damaged chunk
 * ever reads as zeros.
 *
 * Called by `tune run` and `tune best` (and tests) once per split. Throws InputError for a
 * missing, empty, truncated or non-HDF5 file, missing datasets, wrong rank or type, a chunk
 * that cannot be read (checksum, inflate, short read), values kept in other files, row counts
 * that differ, NaN or infinite features, and labels that are fractional, negative or outside
 * the recorded class names.
 */
export async function readFeatures(path: string): Promise<FeatureSet> {
  const file = await openForRead(path);
  try {
    return quietly(() => load(file, path)).value;
  } finally {
    file.close();
  }
}

/** Only what a feature file records about how it was made (its attributes); cheap. */
export async function readFeatureMeta(path: string): Promise<FeatureMeta> {
  const file = await openForRead(path);
  try {
    return quietly(() => readMeta(file)).value;
  } finally {
    file.close();
  }
}

function load(file: H5File, path: string): FeatureSet {
  const dataset = requireDataset(file, path, 'data');
  const labelSet = requireDataset(file, path, 'labels');
  const shape = dataset.shape ?? [];
  if (shape.length !== 2) {
    throw new InputError(path, '/data', `must have rank 2 (rows, features), got shape [${shape.join(', ')}]`);
  }
  const [rows, dim] = shape as [number, number];
  if (rows === 0) throw new InputError(path, '/data', 'has no rows');
  if (dim === 0) throw new InputError(path, '/data', 'has rows of 0 features');
  const dataKind = numericKind(dataset);
  if (!dataKind) throw new InputError(path, '/data', `must be float16, float32, float64 or integers, got ${typeName(dataset)}`);
  const labelShape = labelSet.shape ?? [];
  const flatLabels = labelShape.length === 1 || (labelShape.length === 2 && labelShape[1] === 1);
  if (!flatLabels) {
    throw new InputError(path, '/labels', `must have rank 1 (rows,), got shape [${labelShape.join(', ')}]`);
  }
  const labelKind = numericKind(labelSet, true);
  if (!labelKind) throw new InputError(path, '/labels', `must be integers (or floats that are whole numbers), got ${typeName(labelSet)}`);
  if (labelShape[0] !== rows) {
    throw new InputError(path, '/labels', `has ${labelShape[0]} rows, but /data has ${rows}`);
  }
  for (const ds of [dataset, labelSet]) selfContained(ds, path);

  const meta = readMeta(file);
  const data = sharedFloat32(rows * dim);
  copyFloats(dataset, dataKind, data, path, dim);
  const labels = sharedInt32(rows);
  copyLabels(labelSet, labelKind, labels, path, meta.classNames);
  const paths = readPaths(file, path, rows);
  return { data, labels, rows, dim, meta, ...(paths ? { paths } : {}) };
}

/**
 * A virtual dataset's rows live in its source files, and HDF5 fills those it cannot open with
 * zeros; refused up front with their names (readRows catches external storage the same way).
 */
function selfContained(ds: H5Dataset, path: string): void {
  const sources = ds.metadata.virtual_sources;
  if (sources && sources.length > 0) {
    const files = [...new Set(sources.map((s) => s.file_name))].join(', ');
    throw new InputError(path, ds.path, `is a virtual dataset whose values live in other files (${files}); tune reads only self-contained feature files`);
  }
}

/**
 * Rows read per slice: reading the whole dataset at once would hold it twice more (in the HDF5
 * library's heap and as a copy) beside the shared array, 4.8 GB for 50,000 x 8192 floats.
 */
const SLICE_BYTES = 32 * 2 ** 20;

function copyFloats(ds: H5Dataset, kind: NumericKind, out: Float32Array, path: string, dim: number): void {
  const rows = out.length / dim;
  const step = Math.max(1, Math.floor(SLICE_BYTES / (dim * kind.size)));
  const native = nativeKernels().kernels;
  let checked = true;
  for (let begin = 0; begin < rows; begin += step) {
    const end = Math.min(rows, begin + step);
    readRows(ds, path, kind, begin, end, (values) => {
      // float32 files (the common case) are copied and checked in one native pass, at memory speed.
      if (native !== undefined && values instanceof Float32Array) {
        const bad = native.copyFinite(values, out, begin * dim);
        if (bad >= 0) throw nonFinite(path, begin * dim + bad, dim, values[bad]!);
      } else {
        copyToFloat32(values, out, begin * dim);
        checked = false;
      }
    });
  }
  // float64 values beyond float32's range become infinite in the copy; they are caught here.
  if (!checked) for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!)) throw nonFinite(path, i, dim, out[i]!);
}

function nonFinite(path: string, i: number, dim: number, v: number): InputError {
  const what = Number.isNaN(v) ? 'is NaN' : `is ${v > 0 ? '+' : '-'}infinite`;
  return new InputError(path, `/data[${Math.floor(i / dim)}, ${i % dim}]`, `feature ${what}`);
}

/** Labels are small (8 bytes a row at most), so they are read in slices of the same size. */
function copyLabels(ds: H5Dataset, kind: NumericKind, out: Int32Array, path: string, classNames: string[] | undefined): void {
  const step = Math.max(1, Math.floor(SLICE_BYTES / kind.size));
  const top = classNames ? classNames.length - 1 : MAX_LABEL;
  const allowed = classNames ? `0..${top} (${classNames.length} classes)` : `0..${MAX_LABEL}`;
  for (let begin = 0; begin < out.length; begin += step) {
    const end = Math.min(out.length, begin + step);
    readRows(ds, path, kind, begin, end, (values) => {
      for (let i = 0; i < values.length; i++) {
        const raw = values[i]!;
        // Compared before any conversion, so that a uint64 label of 2**63 is reported exactly.
        if (typeof raw === 'number' && !Number.isInteger(raw)) {
          throw new InputError(path, `/labels[${begin + i}]`, `label must be a whole number, got ${raw}`);
        }
        if (raw < 0 || raw > top) throw new InputError(path, `/labels[${begin + i}]`, `label must be ${allowed}, got ${String(raw)}`);
        out[begin + i] = Number(raw);
      }
    });
  }
}

/** The largest label an Int32Array holds. */
const MAX_LABEL = 0x7fffffff;

function readMeta(file: H5File): FeatureMeta {
  const meta: FeatureMeta = {};
  const classNames = stringAttr(file, META_ATTRS.classNames);
  if (Array.isArray(classNames)) meta.classNames = classNames;
  else if (typeof classNames === 'string') meta.classNames = [classNames];
  for (const key of ['base', 'layer', 'preprocessing', 'pooling'] as const) {
    const v = stringAttr(file, META_ATTRS[key]);
    if (typeof v === 'string') meta[key] = v;
  }
  const inputSize = numberAttr(file, META_ATTRS.inputSize);
  if (inputSize !== undefined) meta.inputSize = inputSize;
  const seed = numberAttr(file, META_ATTRS.seed);
  if (seed !== undefined) meta.seed = seed;
  const shape = file.attrs[META_ATTRS.featureShape]?.json_value;
  if (Array.isArray(shape) && shape.every((v) => typeof v === 'number')) meta.featureShape = shape as number[];
  return meta;
}

/** The optional `paths` (one source image per row); a damaged one is refused, not dropped. */
function readPaths(file: H5File, path: string, rows: number): string[] | undefined {
  if (!file.keys().includes('paths')) return undefined;
  const read = quietly(() => {
    const value = file.get('paths');
    return value && 'json_value' in value ? (value as H5Dataset).json_value : undefined;
  }, path);
  if (read.foreign.length > 0 || read.diagnostic !== undefined) {
    throw new InputError(path, '/paths', `cannot be read (${read.diagnostic ?? `it names another file, ${read.foreign[0]}`})`);
  }
  const list = read.value;
  if (Array.isArray(list) && list.length === rows && list.every((v) => typeof v === 'string')) return list as string[];
  return undefined;
}
