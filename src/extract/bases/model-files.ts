import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError, reason } from '../../errors.js';

/** A tfjs model.json as written by tfjs-converter or `model.save`. */
export interface ModelJson {
  format?: string;
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  [key: string]: unknown;
}

/** Reads and checks a model.json; throws InputError for a missing or malformed file. */
export function readModelJson(path: string): ModelJson {
  if (!existsSync(path)) throw new InputError(path, 'file', 'does not exist');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(path, 'file', `is not JSON (${reason(err)})`);
  }
  const m = json as Partial<ModelJson> | null;
  if (!m || typeof m !== 'object' || typeof m.modelTopology !== 'object' || m.modelTopology === null) {
    throw new InputError(path, 'modelTopology', 'is missing; expected a tfjs Layers or Graph model.json');
  }
  if (!Array.isArray(m.weightsManifest)) {
    throw new InputError(path, 'weightsManifest', 'is missing; expected a tfjs Layers or Graph model.json');
  }
  return m as ModelJson;
}

/** True for a Graph model (converted SavedModel or frozen graph), false for a Layers model. */
export function isGraphModel(json: ModelJson): boolean {
  return json.format === 'graph-model' || 'node' in json.modelTopology;
}

/**
 * An IOHandler that serves `json` with its weight shards read from beside `path`, so that
 * models load from disk with the pure-JS tfjs (which has no file:// loader).
 */
export function fileHandler(path: string, json: ModelJson): tf.io.IOHandler {
  return {
    load: async () => {
      const dir = dirname(path);
      const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
      const shards = json.weightsManifest.flatMap((group) =>
        group.paths.map((shard) => {
          const file = join(dir, shard);
          if (!existsSync(file)) throw new InputError(path, `weightsManifest: ${shard}`, `weight file ${file} does not exist`);
          return readFileSync(file);
        }),
      );
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
    throw new InputError(path, 'model', `cannot be loaded as a tfjs Layers model (${reason(err)})`);
  }
}
