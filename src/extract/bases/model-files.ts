import { readFileSync, statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { InputError, reason } from '../../errors.js';
import { fileKind } from '../../system/file-kind.js';
import { checkManifest, weightFiles, type ManifestGroup } from './weights-manifest.js';

/** A tfjs model.json as written by tfjs-converter or `model.save`. */
export interface ModelJson {
  format?: string;
  modelTopology: Record<string, unknown>;
  weightsManifest: (ManifestGroup & { weights: tf.io.WeightsManifestEntry[] })[];
  [key: string]: unknown;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Reads and checks a model.json: a regular file (a FIFO or a device would block or never end),
 * JSON, with a topology and a well-formed weights manifest. Every loader of model files starts
 * here. Throws InputError for a missing, special or malformed file.
 */
export function readModelJson(path: string): ModelJson {
  let json: unknown;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InputError(path, 'file', `is not a regular file (${fileKind(st)})`);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(path, 'file', (err as { code?: unknown }).code === 'ENOENT' ? 'does not exist' : `cannot be read (${reason(err)})`);
  }
  const bytes = readFileSync(path);
  // HDF5's signature: a Keras .h5 (tune's own export among them) is a model, but not one tfjs reads.
  if (bytes.subarray(0, 8).equals(HDF5_SIGNATURE))
    throw new InputError(path, 'file', 'is an HDF5 file (a Keras .h5 model); give the model.json that `tune best --export FILE.json` writes');
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new InputError(path, 'file', `is not JSON (${reason(err)})`);
  }
  const m = json as Partial<ModelJson> | null;
  if (!m || typeof m !== 'object' || typeof m.modelTopology !== 'object' || m.modelTopology === null) {
    throw new InputError(path, 'modelTopology', 'is missing; expected a tfjs Layers or Graph model.json');
  }
  checkManifest(path, m.weightsManifest);
  return m as ModelJson;
}

/** True for a Graph model (converted SavedModel or frozen graph), false for a Layers model. */
export function isGraphModel(json: ModelJson): boolean {
  return json.format === 'graph-model' || 'node' in json.modelTopology;
}

/**
 * An IOHandler that serves `json` with its weight shards read from beside `path`, so that
 * models load from disk with the pure-JS tfjs (which has no file:// loader). The shards are
 * checked first (weightFiles): inside the model's folder, regular, of the manifest's size.
 */
export function fileHandler(path: string, json: ModelJson): tf.io.IOHandler {
  return {
    load: async () => {
      const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
      const shards = weightFiles(path, json.weightsManifest).map((file) => readFileSync(file));
      const all = Buffer.concat(shards);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      // The manifest is replaced by specs + data; every other field (format, signature...) passes through.
      const { weightsManifest: _manifest, ...rest } = json;
      return { ...(rest as tf.io.ModelArtifacts), weightSpecs, weightData };
    },
  };
}

/**
 * Loads a Layers model from `json` (read from `path`). A file problem stays the InputError it
 * is; anything tfjs rejects becomes one naming the model. Used by the bases and by predict.
 */
export async function loadLayersFile(path: string, json: ModelJson, options?: tf.io.LoadOptions): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(fileHandler(path, json), options);
  } catch (err) {
    if (err instanceof InputError) throw err;
    // tfjs-layers compares each stored weight with its layer's and says "Shape mismatch: [a] vs. [b]".
    if (/^Shape mismatch/.test(reason(err))) throw new InputError(path, 'weightsManifest', `a weight's shape does not match the topology (${reason(err)})`);
    throw new InputError(path, 'model', `cannot be loaded as a tfjs Layers model (${reason(err)})`);
  }
}
