import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { abandonWritten, closeWritten, openForRead, openForWrite, quietly, stringAttr, type H5File } from '../data/h5.js';
import type { ConcreteModel } from '../engine/model-spec.js';
import { InputError, reason, writeFailure } from '../errors.js';
import { makeFolders } from '../system/make-folders.js';
import { placeWritten } from '../system/place-file.js';
import type { StoredWeights } from '../domain/weights.js';
import { EXPORT_MARKER, type ExportMetadata } from './export-metadata.js';
import { refuseSpecial } from './export-target.js';
import { kerasLayers, type KerasLayer } from './keras-config.js';

/**
 * What the file says wrote it: Keras 2's last release line. Keras 2.x reads the format back
 * whatever its minor version; Keras 3 reads it too, as a legacy .h5.
 */
export const KERAS_VERSION = '2.15.0';
/** The root attribute that marks a file as tune's export (JSON of ExportMetadata). */
export const H5_MARKER_ATTR = 'tune';

/**
 * Writes a trial's classifier in Keras' HDF5 model format (what Keras 2.x `model.save("m.h5")`
 * writes): a `model_config` attribute holding a Sequential of InputLayer, Dense and Dropout
 * layers, and a `model_weights` group with one group per layer, its `weight_names`, and the
 * datasets `<layer>/<layer>/kernel:0` and `bias:0`, so that `keras.models.load_model` in Python
 * builds the same model. There is no `training_config`: the model loads uncompiled. Called by
 * `tune best --export FILE.h5`. Like the tfjs export, it writes a temporary file and renames it
 * into place, and never replaces a file that tune did not export (its `tune` root attribute).
 * Throws InputError when the place cannot be written, or for a layer Keras cannot rebuild.
 */
export async function exportKerasH5(path: string, model: ConcreteModel, weights: StoredWeights, metadata: ExportMetadata): Promise<void> {
  await checkH5Target(path);
  const layers = kerasLayers(model, path);
  const dir = dirname(path);
  try {
    makeFolders(dir);
  } catch (err) {
    throw new InputError(path, 'file', `cannot be written (${reason(err)})`);
  }
  const write = async (tmp: string): Promise<void> => {
    const file = await openForWrite(tmp);
    try {
      writeModel(file, model, layers, weights, { ...metadata, exportedBy: EXPORT_MARKER });
    } catch (err) {
      abandonWritten(file);
      throw err;
    }
    closeWritten(file, path);
  };
  try {
    await placeWritten(path, write, () => refuseSpecial(path));
  } catch (err) {
    throw writeFailure(path, err);
  }
}

function writeModel(file: H5File, model: ConcreteModel, layers: KerasLayer[], weights: StoredWeights, metadata: ExportMetadata): void {
  const config = {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        {
          class_name: 'InputLayer',
          config: { batch_input_shape: [null, model.inputDim], dtype: 'float32', sparse: false, ragged: false, name: `${layers[0]!.name}_input` },
        },
        ...layers.map((l) => l.config),
      ],
    },
  };
  text(file, 'keras_version', KERAS_VERSION);
  text(file, 'backend', 'tensorflow');
  text(file, 'model_config', JSON.stringify(config));
  text(file, H5_MARKER_ATTR, JSON.stringify(metadata));
  const root = file.create_group('model_weights');
  texts(
    root,
    'layer_names',
    layers.map((l) => l.name),
  );
  text(root, 'backend', 'tensorflow');
  text(root, 'keras_version', KERAS_VERSION);
  let next = 0;
  for (const layer of layers) {
    const group = root.create_group(layer.name);
    const names = layer.weights.map((w) => `${layer.name}/${w}:0`);
    texts(group, 'weight_names', names);
    if (names.length === 0) continue;
    const inner = group.create_group(layer.name);
    for (const w of layer.weights) {
      const t = weights.tensors[next++];
      if (t === undefined) throw new Error(`the stored weights end before ${layer.name}/${w}`);
      inner.create_dataset({ name: `${w}:0`, data: Float32Array.from(t.values), shape: t.shape, dtype: '<f' });
    }
  }
  if (next !== weights.tensors.length) throw new Error(`the model takes ${next} weight tensors, ${weights.tensors.length} are stored`);
}

type Attributed = Pick<H5File, 'create_attribute'>;

/** A string attribute as h5py writes Keras' bytes: fixed-length, ASCII. */
function text(target: Attributed, name: string, value: string): void {
  target.create_attribute(name, value, null, `A${Math.max(1, Buffer.byteLength(value))}`);
}

/** A list of names as Keras writes `layer_names` and `weight_names`: fixed-length ASCII strings. */
function texts(target: Attributed, name: string, values: string[]): void {
  const width = Math.max(1, ...values.map((v) => Buffer.byteLength(v)));
  // An empty list is an empty array of one-byte strings, as numpy writes np.array([], 'S1').
  target.create_attribute(name, values, [values.length], `A${width}`);
}

/**
 * Throws InputError unless `path` may take the export: absent, or a regular HDF5 file whose
 * root attribute `tune` marks it as tune's own export. Never writes. Called by `tune best`
 * before it evaluates the test split, and by exportKerasH5 just before it writes.
 */
export async function checkH5Target(path: string): Promise<void> {
  if (path.trim() === '') throw new InputError('command line', '--export', 'is empty; give the path of the model.h5 to write');
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined) return;
  refuseSpecial(path, st);
  const refusal = 'already exists and is not a model that tune exported (no `tune` attribute); remove it yourself or export elsewhere';
  let file: H5File;
  try {
    file = await openForRead(path);
  } catch {
    throw new InputError(path, 'file', refusal);
  }
  try {
    const mark = quietly(() => stringAttr(file, H5_MARKER_ATTR)).value;
    const ours = typeof mark === 'string' && (JSON.parse(mark) as { exportedBy?: unknown }).exportedBy === EXPORT_MARKER;
    if (!ours) throw new InputError(path, 'file', refusal);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(path, 'file', refusal);
  } finally {
    file.close();
  }
}
