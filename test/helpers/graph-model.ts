import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/random/rng.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const dims = (shape: number[]): { dim: { size: string }[] } => ({ dim: shape.map((n) => ({ size: String(n) })) });
const ints = (values: number[]): { list: { i: string[] } } => ({ list: { i: values.map(String) } });
const float = { type: 'DT_FLOAT' };

/**
 * Writes a small tfjs Graph model (GraphDef JSON, as tfjs-converter emits for a SavedModel):
 * input (n, h, w, 3) -> Conv2D 3x3x3x4 SAME -> Relu ("relu") -> MaxPool 2x2 ("pool").
 * Returns the model.json path and its kernel.
 */
export function writeTinyGraphModel(dir: string, seed = 5): { path: string; kernel: Float32Array } {
  const rng = new Rng(seed);
  const kernel = Float32Array.from({ length: 3 * 3 * 3 * 4 }, () => rng.next() * 2 - 1);
  const node = [
    { name: 'input', op: 'Placeholder', attr: { dtype: float, shape: { shape: dims([-1, -1, -1, 3]) } } },
    { name: 'kernel', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims([3, 3, 3, 4]) } } } },
    {
      name: 'conv',
      op: 'Conv2D',
      input: ['input', 'kernel'],
      attr: { T: float, strides: ints([1, 1, 1, 1]), dilations: ints([1, 1, 1, 1]), padding: { s: b64('SAME') }, data_format: { s: b64('NHWC') } },
    },
    { name: 'relu', op: 'Relu', input: ['conv'], attr: { T: float } },
    {
      name: 'pool',
      op: 'MaxPool',
      input: ['relu'],
      attr: { T: float, ksize: ints([1, 2, 2, 1]), strides: ints([1, 2, 2, 1]), padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') } },
    },
  ];
  const json = {
    format: 'graph-model',
    generatedBy: 'tune tests',
    convertedBy: 'tune tests',
    modelTopology: { node, library: {}, versions: { producer: 1 } },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'kernel', shape: [3, 3, 3, 4], dtype: 'float32' }] }],
  };
  writeFileSync(join(dir, 'weights.bin'), Buffer.from(kernel.buffer));
  const path = join(dir, 'model.json');
  writeFileSync(path, JSON.stringify(json));
  return { path, kernel };
}
