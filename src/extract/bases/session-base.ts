import { onnxRuntime, type OrtSession } from '../onnx/onnx-runtime.js';
import type { ConvBase, FeatureMap, Layout } from './base.js';

/** What a session base feeds, fetches and how its tensors are laid out. */
export interface SessionIo {
  name: string;
  layer?: string;
  input: string;
  output: string;
  /** The input's layout; an NCHW model's rank-4 output is taken as NCHW too. */
  layout: Layout;
  /** A batch size fixed in the model's input shape; batches are cut (and padded) to it. */
  fixedBatch?: number;
  size: number;
}

/**
 * A ConvBase over an ONNX Runtime session. Pixels arrive channels last; an NCHW model gets
 * them transposed, and its map is transposed back, so that every base gives (n, h, w, c)
 * and pooling and flattening mean the same for all. A rank-2 output (a cut after global
 * pooling or a flatten) is seen as (n, 1, 1, c). Called by the ONNX bases.
 */
export function sessionBase(session: OrtSession, io: SessionIo): ConvBase {
  const ort = onnxRuntime();
  const pixelsPerImage = io.size * io.size * 3;
  const runChunk = async (pixels: Float32Array, n: number): Promise<FeatureMap> => {
    const { Tensor } = await ort;
    const rows = io.fixedBatch ?? n;
    let fed = pixels.subarray(0, n * pixelsPerImage);
    if (rows > n) {
      // A model fixed to more images than are left gets zero images after them.
      fed = new Float32Array(rows * pixelsPerImage);
      fed.set(pixels.subarray(0, n * pixelsPerImage));
    }
    const dims = io.layout === 'nchw' ? [rows, 3, io.size, io.size] : [rows, io.size, io.size, 3];
    const input = new Tensor('float32', io.layout === 'nchw' ? nhwcToNchw(fed, rows, io.size, io.size, 3) : fed, dims);
    const result = (await session.run({ [io.input]: input }, [io.output]))[io.output]!;
    if (result.type !== 'float32') throw new Error(`output "${io.output}" is ${result.type}, not float32 features`);
    return asMap(result.data as Float32Array, result.dims.map(Number), n, io.layout);
  };
  return {
    name: io.name,
    ...(io.layer !== undefined ? { layer: io.layer } : {}),
    runtime: 'onnx',
    run: async (pixels, n) => {
      const chunk = io.fixedBatch ?? n;
      if (chunk >= n) return runChunk(pixels, n);
      const parts: FeatureMap[] = [];
      for (let i = 0; i < n; i += chunk) {
        parts.push(await runChunk(pixels.subarray(i * pixelsPerImage), Math.min(chunk, n - i)));
      }
      const per = parts[0]!.data.length / parts[0]!.shape[0];
      const data = new Float32Array(n * per);
      parts.forEach((p, i) => data.set(p.data, i * chunk * per));
      return { data, shape: [n, ...parts[0]!.shape.slice(1)] as FeatureMap['shape'] };
    },
    dispose: () => void session.release().catch(() => undefined),
  };
}

/** The first `n` rows of an output, as (n, h, w, c). */
function asMap(data: Float32Array, dims: number[], n: number, layout: Layout): FeatureMap {
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  const rows = data.subarray(0, n * per);
  if (dims.length === 4 && layout === 'nchw') {
    const [, c, h, w] = dims as [number, number, number, number];
    return { data: nchwToNhwc(rows, n, c, h, w), shape: [n, h, w, c] };
  }
  if (dims.length === 4) return { data: rows.slice(), shape: [n, dims[1]!, dims[2]!, dims[3]!] };
  return { data: rows.slice(), shape: [n, 1, 1, per] };
}

function nhwcToNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < c; k++) out[base + k * h * w + p] = x[base + p * c + k]!;
    }
  }
  return out;
}

function nchwToNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(n * c * h * w);
  for (let b = 0; b < n; b++) {
    const base = b * c * h * w;
    for (let k = 0; k < c; k++) {
      for (let p = 0; p < h * w; p++) out[base + p * c + k] = x[base + k * h * w + p]!;
    }
  }
  return out;
}
