import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vgg19WeightSpecs } from '../../src/extract/bases/vgg19.js';
import type { LayerWeightSpec } from '../../src/extract/bases/keras-weights.js';
import { Rng } from '../../src/random/rng.js';
import type { ConvWeights } from './reference-vgg19.js';
import { pythonScript } from './python.js';

/**
 * Seeded He-uniform kernels and small biases for every layer of `specs`, so that activations
 * keep their scale through VGG19's 16 convolutions.
 */
export function randomConvWeights(specs: LayerWeightSpec[], seed: number): ConvWeights[] {
  const rng = new Rng(seed);
  return specs.map(({ shapes }) => {
    const [kh, kw, cin, cout] = shapes[0] as [number, number, number, number];
    const limit = Math.sqrt(6 / (kh * kw * cin));
    const kernel = new Float32Array(kh * kw * cin * cout);
    for (let i = 0; i < kernel.length; i++) kernel[i] = (rng.next() * 2 - 1) * limit;
    const bias = new Float32Array(cout);
    for (let i = 0; i < cout; i++) bias[i] = (rng.next() * 2 - 1) * 0.1;
    return { kernel, bias, cin, cout };
  });
}

/** Writes `weights` as a Keras HDF5 weights file with h5py; returns its path. */
export function writeKerasWeights(dir: string, name: string, specs: LayerWeightSpec[], weights: ConvWeights[], naming: 'legacy' | 'keras2'): string {
  const raw = join(dir, `${name}.raw`);
  const parts = weights.flatMap((w) => [w.kernel, w.bias]);
  writeFileSync(raw, Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
  const out = join(dir, `${name}.h5`);
  pythonScript('keras_weights.py', [out, raw, JSON.stringify(specs), naming]);
  return out;
}

/** VGG19's own specs, for the common case. */
export function vgg19Specs(): LayerWeightSpec[] {
  return vgg19WeightSpecs();
}
