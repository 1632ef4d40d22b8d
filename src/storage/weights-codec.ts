import type { StoredWeights } from './storage.js';

/*
 * Layout of a weights blob: uint32 LE header length, the header as UTF-8 JSON
 * (`{"shapes": [[...], ...]}`), then every tensor's values as float32 LE, one after another.
 * Shapes go in JSON because they are few and small; the values, which can be millions, go raw
 * so that a blob costs 4 bytes a weight and decodes with one copy per tensor.
 */

interface Header {
  shapes: number[][];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function size(shape: number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

function isShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((dim) => Number.isInteger(dim) && dim >= 0);
}

/** Packs weights into one blob; throws Error when a tensor's values do not fill its shape. */
export function encodeWeights(weights: StoredWeights): Buffer {
  const shapes = weights.tensors.map(({ shape, values }, i) => {
    if (!isShape(shape) || size(shape) !== values.length) {
      throw new Error(`weights tensor ${i}: shape [${shape.join(', ')}] does not hold ${values.length} values`);
    }
    return [...shape];
  });
  const header = Buffer.from(JSON.stringify({ shapes } satisfies Header), 'utf8');
  const floats = weights.tensors.reduce((sum, t) => sum + t.values.length, 0);
  const blob = Buffer.alloc(4 + header.length + 4 * floats);
  blob.writeUInt32LE(header.length, 0);
  header.copy(blob, 4);
  let at = 4 + header.length;
  for (const { values } of weights.tensors) {
    if (LITTLE_ENDIAN) {
      Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(blob, at);
      at += values.byteLength;
    } else {
      for (const value of values) at = blob.writeFloatLE(value, at);
    }
  }
  return blob;
}

/**
 * Unpacks a blob from encodeWeights into fresh Float32Arrays. The copy matters: the blob's
 * bytes may sit at any offset of a buffer SQLite's binding reuses, and a Float32Array view
 * needs 4-byte alignment. Throws Error for a blob that is not one of ours (a corrupt row).
 */
export function decodeWeights(blob: Uint8Array): StoredWeights {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const corrupt = (why: string) => new Error(`weights blob of ${bytes.length} bytes is corrupt: ${why}`);
  if (bytes.length < 4) throw corrupt('no header length');
  const headerLength = bytes.readUInt32LE(0);
  if (4 + headerLength > bytes.length) throw corrupt(`header length ${headerLength} runs past the end`);
  let header: unknown;
  try {
    header = JSON.parse(bytes.toString('utf8', 4, 4 + headerLength));
  } catch {
    throw corrupt('header is not JSON');
  }
  const shapes = (header as Partial<Header> | null)?.shapes;
  if (!Array.isArray(shapes) || !shapes.every(isShape)) throw corrupt('header has no shapes');
  const floats = shapes.reduce((sum, shape) => sum + size(shape), 0);
  if (bytes.length !== 4 + headerLength + 4 * floats) throw corrupt(`shapes need ${floats} values`);
  let at = 4 + headerLength;
  const tensors = shapes.map((shape) => {
    const values = new Float32Array(size(shape));
    if (LITTLE_ENDIAN) {
      new Uint8Array(values.buffer).set(bytes.subarray(at, at + values.byteLength));
      at += values.byteLength;
    } else {
      for (let i = 0; i < values.length; i++, at += 4) values[i] = bytes.readFloatLE(at);
    }
    return { shape, values };
  });
  return { tensors };
}
