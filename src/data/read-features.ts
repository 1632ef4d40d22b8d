import { InputError } from '../errors.js';
import { H5T_FLOAT, H5T_INTEGER, numberAttr, openForRead, quietly, requireDataset, stringAttr, type H5Dataset, type H5File } from './h5.js';
import { META_ATTRS, type FeatureMeta } from './feature-meta.js';
import { sharedFloat32, sharedInt32, type FeatureSet } from './feature-set.js';

/**
 * Reads a feature file in the seed's layout (`data` (N, D) float, `labels` (N,) integer),
 * whoever wrote it: tune, h5py, Keras. Accepts chunked and gzip-compressed datasets, float64
 * data and any integer label type. Loads everything once into shared memory.
 *
 * Called by `tune run` (and tests) once per split. Throws InputError for a missing, empty or
 * non-HDF5 file, missing datasets, wrong rank or type, row counts that differ, NaN or infinite
 * features, and negative labels or labels outside the recorded class names.
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
  if (dataset.metadata.type !== H5T_FLOAT) {
    throw new InputError(path, '/data', `must be float32 or float64, got ${describe(dataset)}`);
  }
  const labelShape = labelSet.shape ?? [];
  const flatLabels = labelShape.length === 1 || (labelShape.length === 2 && labelShape[1] === 1);
  if (!flatLabels) {
    throw new InputError(path, '/labels', `must have rank 1 (rows,), got shape [${labelShape.join(', ')}]`);
  }
  if (labelSet.metadata.type !== H5T_INTEGER) {
    throw new InputError(path, '/labels', `must be integers, got ${describe(labelSet)}`);
  }
  if (labelShape[0] !== rows) {
    throw new InputError(path, '/labels', `has ${labelShape[0]} rows, but /data has ${rows}`);
  }

  const meta = readMeta(file);
  const data = sharedFloat32(rows * dim);
  copyFloats(dataset, data, path, dim);
  const labels = sharedInt32(rows);
  copyLabels(labelSet, labels, path, meta.classNames);
  const paths = readPaths(file, rows);
  return { data, labels, rows, dim, meta, ...(paths ? { paths } : {}) };
}

function describe(ds: H5Dataset): string {
  const m = ds.metadata;
  const kind = m.type === H5T_FLOAT ? 'float' : m.type === H5T_INTEGER ? (m.signed ? 'int' : 'uint') : `type class ${m.type}`;
  return m.type === H5T_FLOAT || m.type === H5T_INTEGER ? `${kind}${m.size * 8}` : kind;
}

/**
 * Rows read per slice: reading the whole dataset at once would hold it twice more (in the HDF5
 * library's heap and as a copy) beside the shared array, 4.8 GB for 50,000 x 8192 floats.
 */
const SLICE_BYTES = 32 * 2 ** 20;

function copyFloats(ds: H5Dataset, out: Float32Array, path: string, dim: number): void {
  const rows = out.length / dim;
  const step = Math.max(1, Math.floor(SLICE_BYTES / (dim * 8)));
  for (let begin = 0; begin < rows; begin += step) {
    const end = Math.min(rows, begin + step);
    out.set(ds.slice([[begin, end], []]) as ArrayLike<number>, begin * dim);
  }
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (!Number.isFinite(v)) {
      const what = Number.isNaN(v) ? 'is NaN' : `is ${v > 0 ? '+' : '-'}infinite`;
      throw new InputError(path, `/data[${Math.floor(i / dim)}, ${i % dim}]`, `feature ${what}`);
    }
    // float64 values beyond float32's range become infinite above; that is caught the same way.
  }
}

function copyLabels(ds: H5Dataset, out: Int32Array, path: string, classNames: string[] | undefined): void {
  const value = ds.value as ArrayLike<number | bigint>;
  for (let i = 0; i < out.length; i++) {
    const raw = value[i]!;
    const label = typeof raw === 'bigint' ? Number(raw) : raw;
    if (label < 0 || (classNames && label >= classNames.length) || label > 0x7fffffff) {
      const allowed = classNames ? `0..${classNames.length - 1} (${classNames.length} classes)` : '0 or more';
      throw new InputError(path, `/labels[${i}]`, `label must be ${allowed}, got ${label}`);
    }
    out[i] = label;
  }
}

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

function readPaths(file: H5File, rows: number): string[] | undefined {
  if (!file.keys().includes('paths')) return undefined;
  const value = file.get('paths');
  const list = value && 'json_value' in value ? (value as H5Dataset).json_value : undefined;
  if (Array.isArray(list) && list.length === rows && list.every((v) => typeof v === 'string')) return list as string[];
  return undefined;
}
