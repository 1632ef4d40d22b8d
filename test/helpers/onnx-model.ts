import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/random/rng.js';
import { pythonScript } from './python.js';

/** The tiny ONNX model's widths: conv channels and classes (see test/fixtures/onnx_model.py). */
export const TINY_CHANNELS = 4;
export const TINY_CLASSES = 2;

export interface TinyOnnxModel {
  path: string;
  /** The conv kernel in Keras' (kh, kw, 3, C) order, and its bias. */
  kernel: Float32Array;
  bias: Float32Array;
  /** The dense head, (C, K) and (K). */
  dense: Float32Array;
  denseBias: Float32Array;
}

/**
 * Writes a tiny image model as an ONNX file with Debian's python3-onnx (the way a user's
 * exports are written: by the onnx package), with seeded weights. `size` and `batch` 0 leave
 * those dimensions symbolic. Fails loudly when python3-onnx is missing.
 */
export function writeTinyOnnxModel(
  dir: string,
  name: string,
  options: { layout: 'nchw' | 'nhwc'; size?: number; batch?: number; seed?: number },
): TinyOnnxModel {
  const rng = new Rng(options.seed ?? 21);
  const values = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
  const kernel = values(27 * TINY_CHANNELS, 0.5);
  const bias = values(TINY_CHANNELS, 0.1);
  const dense = values(TINY_CHANNELS * TINY_CLASSES, 1);
  const denseBias = values(TINY_CLASSES, 0.1);
  const raw = join(dir, `${name}.raw`);
  writeFileSync(raw, Buffer.concat([kernel, bias, dense, denseBias].map((a) => Buffer.from(a.buffer))));
  const path = join(dir, `${name}.onnx`);
  pythonScript('onnx_model.py', [path, raw, options.layout, String(options.size ?? 0), String(options.batch ?? 0)]);
  return { path, kernel, bias, dense, denseBias };
}
