import { H5T_ENUM, H5T_FLOAT, H5T_INTEGER, type H5Dataset } from './h5.js';

/** A dataset's element type, when it is one that tune can turn into numbers. */
export interface NumericKind {
  float: boolean;
  signed: boolean;
  /** Bytes per element: 2, 4 or 8 for floats; 1, 2, 4 or 8 for integers. */
  size: number;
}

const FLOAT_SIZES = [2, 4, 8];
const INT_SIZES = [1, 2, 4, 8];

/** The h5py name of a dataset's element type ("float16", "uint8", "enum"), for messages. */
export function typeName(ds: H5Dataset): string {
  const m = ds.metadata;
  if (m.type === H5T_FLOAT) return `float${m.size * 8}`;
  if (m.type === H5T_INTEGER) return `${m.signed ? 'int' : 'uint'}${m.size * 8}`;
  if (m.type === H5T_ENUM) return isBooleanEnum(ds) ? 'bool' : 'enum';
  return `type class ${m.type}`;
}

/**
 * The kind of a dataset whose elements are IEEE floats or integers of a width h5py writes, and
 * of h5py's booleans (an int8 enum of FALSE and TRUE) when `booleans` is set; undefined for
 * anything else (float128, strings, compounds, other enums). Called by readFeatures.
 */
export function numericKind(ds: H5Dataset, booleans = false): NumericKind | undefined {
  const m = ds.metadata;
  if (m.type === H5T_FLOAT && FLOAT_SIZES.includes(m.size)) return { float: true, signed: true, size: m.size };
  if (m.type === H5T_INTEGER && INT_SIZES.includes(m.size)) return { float: false, signed: m.signed, size: m.size };
  if (booleans && m.type === H5T_ENUM && isBooleanEnum(ds) && m.size === 1) return { float: false, signed: true, size: 1 };
  return undefined;
}

function isBooleanEnum(ds: H5Dataset): boolean {
  const members = ds.metadata.enum_type?.members;
  return members !== undefined && Object.keys(members).length === 2 && members['FALSE'] === 0 && members['TRUE'] === 1;
}

let halves: Float32Array | undefined;

/**
 * Every float16 bit pattern's value: float32 holds each one exactly (a wider exponent and
 * mantissa), so a table lookup converts without rounding. 256 KiB, built on first use.
 */
function halfTable(): Float32Array {
  if (halves) return halves;
  halves = new Float32Array(0x10000);
  for (let h = 0; h < 0x10000; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) halves[h] = sign * fraction * 2 ** -24;
    else if (exponent === 0x1f) halves[h] = fraction === 0 ? sign * Infinity : NaN;
    else halves[h] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return halves;
}

/**
 * A typed view of `count` little-endian elements of `kind` at `byteOffset` in `buffer` (the
 * HDF5 heap, right after a read). float16 comes back converted to a new Float32Array; every
 * other kind is a view, valid only until the heap is next used.
 */
export function numericView(kind: NumericKind, buffer: ArrayBufferLike, byteOffset: number, count: number): ArrayLike<number> | BigInt64Array | BigUint64Array {
  if (kind.float) {
    if (kind.size === 4) return new Float32Array(buffer, byteOffset, count);
    if (kind.size === 8) return new Float64Array(buffer, byteOffset, count);
    const bits = new Uint16Array(buffer, byteOffset, count);
    const table = halfTable();
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = table[bits[i]!]!;
    return out;
  }
  switch (kind.size) {
    case 1:
      return kind.signed ? new Int8Array(buffer, byteOffset, count) : new Uint8Array(buffer, byteOffset, count);
    case 2:
      return kind.signed ? new Int16Array(buffer, byteOffset, count) : new Uint16Array(buffer, byteOffset, count);
    case 4:
      return kind.signed ? new Int32Array(buffer, byteOffset, count) : new Uint32Array(buffer, byteOffset, count);
    default:
      return kind.signed ? new BigInt64Array(buffer, byteOffset, count) : new BigUint64Array(buffer, byteOffset, count);
  }
}

/**
 * Copies elements into float32 at `at`, rounding to the nearest float32 (ties to even) as
 * float64 data always was (tune trains in float32), and as numpy's astype(float32) does;
 * integers beyond 2**24 round the same way.
 */
export function copyToFloat32(values: ArrayLike<number> | BigInt64Array | BigUint64Array, out: Float32Array, at: number): void {
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) out[at + i] = bigToFloat32(values[i]!);
  } else {
    out.set(values, at);
  }
}

/** float32's significand bits, and the largest integer a float64 holds exactly. */
const FLOAT32_BITS = 24;
const EXACT_IN_FLOAT64 = 2n ** 53n;

/**
 * A 64-bit integer rounded once to float32. Number() alone would round to float64 first, and
 * that second rounding differs from a single one where the first lands on a float32 halfway.
 */
function bigToFloat32(v: bigint): number {
  const magnitude = v < 0n ? -v : v;
  if (magnitude <= EXACT_IN_FLOAT64) return Number(v);
  const shift = BigInt(magnitude.toString(2).length - FLOAT32_BITS);
  let kept = magnitude >> shift;
  const rest = magnitude - (kept << shift);
  const half = 1n << (shift - 1n);
  if (rest > half || (rest === half && (kept & 1n) === 1n)) kept += 1n;
  const rounded = Number(kept << shift);
  return v < 0n ? -rounded : rounded;
}
