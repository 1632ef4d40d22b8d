import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ConcreteModel } from '../engine/model-spec.js';
import { InputError, reason } from '../errors.js';
import type { StoredWeights } from '../storage/storage.js';
import type { FeatureMeta } from '../data/feature-meta.js';

/** What an exported model carries in `userDefinedMetadata.tune`, for `tune predict`. */
export interface ExportMetadata {
  study: string;
  trial: number;
  values: Record<string, unknown>;
  score: number;
  objective: string;
  classNames: string[];
  /** How the training features were made (from the train split's HDF5 attributes). */
  features: FeatureMeta;
}

/**
 * Writes a trial's classifier as a tfjs Layers model: `model.json` plus `<name>.weights.bin`
 * beside it, loadable by plain `tf.loadLayersModel`. Both files are written under temporary
 * names and renamed at the end. Throws InputError when the place cannot be written.
 */
export async function exportLayersModel(path: string, model: ConcreteModel, weights: StoredWeights, metadata: ExportMetadata): Promise<void> {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new InputError(path, 'file', `cannot be written (${reason(err)})`);
  }
  const layersModel = buildLayersModel(model);
  layersModel.setWeights(weights.tensors.map((t) => tf.tensor(t.values, t.shape)));
  layersModel.setUserDefinedMetadata({ tune: metadata as unknown as Record<string, unknown> } as never);
  const binName = `${basename(path).replace(/\.json$/, '')}.weights.bin`;
  const tmpJson = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const tmpBin = join(dir, `.${binName}.${process.pid}.tmp`);
  try {
    await layersModel.save({
      save: async (artifacts) => {
        const json = {
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          convertedBy: 'tune',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [binName], weights: artifacts.weightSpecs }],
          userDefinedMetadata: artifacts.userDefinedMetadata,
        };
        const data = artifacts.weightData as ArrayBuffer;
        writeFileSync(tmpBin, Buffer.from(data));
        writeFileSync(tmpJson, JSON.stringify(json));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    });
    renameSync(tmpBin, join(dir, binName));
    renameSync(tmpJson, path);
  } catch (err) {
    rmSync(tmpBin, { force: true });
    rmSync(tmpJson, { force: true });
    throw new InputError(path, 'file', `cannot be written (${reason(err)})`);
  } finally {
    layersModel.dispose();
  }
}

/** The trial's classifier as tfjs-layers layers, with Keras' names for its activations. */
export function buildLayersModel(model: ConcreteModel): tf.Sequential {
  const seq = tf.sequential();
  let first = true;
  for (const layer of model.layers) {
    const input = first ? { inputShape: [model.inputDim] } : {};
    if (layer.kind === 'dense') {
      const activation = layer.activation === 'gelu' ? 'gelu_new' : layer.activation;
      seq.add(tf.layers.dense({ units: layer.units, activation: activation as never, ...input }));
    } else {
      seq.add(tf.layers.dropout({ rate: layer.rate, ...input }));
    }
    first = false;
  }
  return seq;
}
