import { InputError } from '../../errors.js';
import { openForRead, quietly, requireDataset, type H5File } from '../../data/h5.js';
import { readRows } from '../../data/h5-rows.js';
import { copyToFloat32, numericKind, typeName } from '../../data/numeric.js';

export interface LayerWeightSpec {
  layer: string;
  /** Expected shapes of the layer's weights, in Keras order (kernel, then bias). */
  shapes: number[][];
}

/**
 * Reads named layers' weights from a Keras HDF5 weights file (the `save_weights` layout that
 * Keras' application weights use: one group per layer with a `weight_names` attribute, also
 * nested under `model_weights` when a whole model was saved). Extra layers in the file are
 * ignored, so a with-top file works too. Returns one Float32Array per weight, in the order of
 * `specs`. Throws InputError for a file that is not HDF5, a missing layer, or a wrong shape.
 */
export async function readKerasWeights(path: string, specs: LayerWeightSpec[]): Promise<Float32Array[][]> {
  const file = await openForRead(path);
  try {
    const root = file.keys().includes('model_weights') ? 'model_weights/' : '';
    return quietly(() => specs.map((spec) => readLayer(file, path, root, spec))).value;
  } finally {
    file.close();
  }
}

function readLayer(file: H5File, path: string, root: string, spec: LayerWeightSpec): Float32Array[] {
  const group = `${root}${spec.layer}`;
  const entity = file.get(group);
  if (entity == null) {
    throw new InputError(
      path,
      `/${group}`,
      'layer group is missing; expected the VGG19 no-top weights file (vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5)',
    );
  }
  const names = weightNames(file, group);
  if (names.length !== spec.shapes.length) {
    throw new InputError(path, `/${group}`, `has ${names.length} weights, expected ${spec.shapes.length} (kernel and bias)`);
  }
  return names.map((name, i) => {
    const ds = requireDataset(file, path, `${group}/${name}`);
    const shape = ds.shape ?? [];
    const expected = spec.shapes[i]!;
    if (shape.join(',') !== expected.join(',')) {
      throw new InputError(path, `/${group}/${name}`, `has shape [${shape.join(', ')}], expected [${expected.join(', ')}]`);
    }
    const kind = numericKind(ds);
    if (!kind) throw new InputError(path, `/${group}/${name}`, `must hold numbers, got ${typeName(ds)}`);
    // Through the checked reader: h5wasm's own `value` reads a damaged chunk as zeros.
    const out = new Float32Array(expected.reduce((a, b) => a * b, 1));
    readRows(ds, path, kind, 0, shape[0] ?? 1, (values) => copyToFloat32(values, out, 0));
    return out;
  });
}

/** The layer's weight dataset names: from `weight_names`, else its datasets, kernels first. */
function weightNames(file: H5File, group: string): string[] {
  const entity = file.get(group) as { attrs?: Record<string, { json_value: unknown }>; keys?: () => string[] };
  const attr = entity.attrs?.['weight_names']?.json_value;
  if (Array.isArray(attr) && attr.every((v) => typeof v === 'string')) return attr as string[];
  const keys = entity.keys?.() ?? [];
  const rank = (k: string): number => (/kernel|_W/.test(k) ? 0 : 1);
  return [...keys].sort((a, b) => rank(a) - rank(b));
}
