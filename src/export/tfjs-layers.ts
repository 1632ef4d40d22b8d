import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ConcreteModel } from '../engine/model-spec.js';
import { InputError, reason } from '../errors.js';
import { processAlive } from '../system/process-alive.js';
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
 * Writes a trial's classifier as a tfjs Layers model: `model.json` plus
 * `<name>.<hash>.weights.bin` beside it, loadable by plain `tf.loadLayersModel`. Whatever moment
 * the process dies at, `model.json` is either the old model or the new one, whole, with its own
 * weights: the weights go under a name of their own content, then `model.json` is renamed over
 * the old one in one step, and only then is the old weights file removed. Temporary files that
 * killed exports left behind are removed. Throws InputError when the place cannot be written.
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
  const stem = basename(path).replace(/\.json$/, '');
  const tmpJson = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const tmpBin = join(dir, `.${stem}.weights.${process.pid}.tmp`);
  removeDeadTemporaries(dir, basename(path), stem);
  const oldBins = weightFiles(path);
  let binName = '';
  try {
    await layersModel.save({
      save: async (artifacts) => {
        const json = {
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          convertedBy: 'tune',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [''], weights: artifacts.weightSpecs }],
          userDefinedMetadata: artifacts.userDefinedMetadata,
        };
        const data = Buffer.from(artifacts.weightData as ArrayBuffer);
        binName = `${stem}.${createHash('sha256').update(data).digest('hex').slice(0, 8)}.weights.bin`;
        json.weightsManifest[0]!.paths = [binName];
        writeFileSync(tmpBin, data);
        writeFileSync(tmpJson, JSON.stringify(json));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    });
    renameSync(tmpBin, join(dir, binName));
    renameSync(tmpJson, path);
    for (const old of oldBins) if (old !== binName) rmSync(join(dir, old), { force: true });
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

/** The weights files an existing model.json at `path` refers to (none when there is none). */
function weightFiles(path: string): string[] {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { weightsManifest?: { paths?: unknown[] }[] };
    return (json.weightsManifest ?? []).flatMap((g) => (g.paths ?? []).filter((p): p is string => typeof p === 'string' && !p.includes('/')));
  } catch {
    return [];
  }
}

/** Removes temporary files of earlier exports to the same place whose process no longer runs. */
function removeDeadTemporaries(dir: string, name: string, stem: string): void {
  const mine = new RegExp(`^\\.(?:${escape(name)}|${escape(stem)}\\.weights)\\.(\\d+)\\.tmp$`);
  for (const file of readdirSync(dir)) {
    const pid = mine.exec(file)?.[1];
    if (pid !== undefined && !processAlive(Number(pid))) rmSync(join(dir, file), { force: true });
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
