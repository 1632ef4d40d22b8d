import h5wasm from 'h5wasm/node';
import { resolve } from 'node:path';
import { vgg19WeightSpecs } from '../src/extract/bases/vgg19.js';
import { Rng } from '../src/random/rng.js';

/**
 * Writes a weights file in Keras' layout with VGG19's exact layers and shapes but seeded random
 * values: the same work per image as the real ImageNet file, which cannot be downloaded here.
 */
export async function writeVgg19ShapedWeights(path: string): Promise<void> {
  await h5wasm.ready;
  const rng = new Rng(3);
  const file = new h5wasm.File(resolve(path), 'w');
  const specs = vgg19WeightSpecs();
  file.create_attribute(
    'layer_names',
    specs.map((s) => s.layer),
  );
  for (const { layer, shapes } of specs) {
    const group = file.create_group(layer);
    const names = [`${layer}_W_1:0`, `${layer}_b_1:0`];
    group.create_attribute('weight_names', names);
    shapes.forEach((shape, i) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const limit = Math.sqrt(6 / (shape.length === 4 ? shape[0]! * shape[1]! * shape[2]! : 1));
      const values = Float32Array.from({ length: n }, () => (i === 0 ? (rng.next() * 2 - 1) * limit : 0));
      group.create_dataset({ name: names[i]!, data: values, shape });
    });
  }
  file.close();
}
