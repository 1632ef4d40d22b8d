import { InputError } from '../errors.js';
import type { FeatureMeta } from './feature-meta.js';

/**
 * Features loaded once into shared memory: `data` and `labels` sit on SharedArrayBuffers, so a
 * FeatureSet posted to a worker thread is seen there without a copy.
 */
export interface FeatureSet {
  /** Row-major features, rows x dim, float32. */
  data: Float32Array;
  /** One integer label per row. */
  labels: Int32Array;
  rows: number;
  dim: number;
  /** Each row's source image, when the file records it. */
  paths?: string[];
  meta: FeatureMeta;
}

/** Allocates a Float32Array of `length` on a SharedArrayBuffer. */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT));
}

/** Allocates an Int32Array of `length` on a SharedArrayBuffer. */
export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
}

/**
 * Checks that several splits (train, valid, test) can be used together: same feature width and
 * the same class names where both record them. Throws InputError naming the odd file.
 */
export function checkSplitsAgree(splits: { path: string; set: FeatureSet }[]): void {
  const [first, ...rest] = splits;
  if (!first) return;
  for (const other of rest) {
    if (other.set.dim !== first.set.dim) {
      throw new InputError(other.path, '/data', `has ${other.set.dim} features per row, but ${first.path} has ${first.set.dim}`);
    }
    checkClassNamesAgree(first.path, first.set.meta, other.path, other.set.meta);
  }
}

/** Throws InputError naming `otherPath` when both files name their classes and the names differ (in order). */
export function checkClassNamesAgree(path: string, meta: FeatureMeta, otherPath: string, otherMeta: FeatureMeta): void {
  const a = meta.classNames;
  const b = otherMeta.classNames;
  if (a && b && a.join('\u0000') !== b.join('\u0000'))
    throw new InputError(otherPath, '/class_names', `are [${b.join(', ')}], but ${path} has [${a.join(', ')}]`);
}
