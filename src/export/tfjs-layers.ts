import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ConcreteModel } from '../engine/model-spec.js';
import { InputError, reason, writeFailure } from '../errors.js';
import { makeFolders } from '../system/make-folders.js';
import { placeFile, temporaryBeside } from '../system/place-file.js';
import { processAlive } from '../system/process-alive.js';
import type { StoredWeights } from '../domain/weights.js';
import { EXPORT_MARKER, type ExportMetadata } from './export-metadata.js';
import { exportTarget, isOwnWeights, refuseSpecial, weightsFileName } from './export-target.js';

export type { ExportMetadata } from './export-metadata.js';

/**
 * Writes a trial's classifier as a tfjs Layers model: `model.json` plus
 * `<name>.<digest>.weights.bin` beside it, loadable by plain `tf.loadLayersModel`. Called by
 * `tune best --export`. It writes only files it creates (temporary names opened exclusively,
 * then renamed), never onto anything but a regular file, and never over a model.json that tune
 * did not export (exportTarget). Whatever moment the process dies at, `model.json` is the old
 * model or the new one, whole, with its own weights; only then are the earlier export's weights
 * files removed, and only those proven tune's. Throws InputError when the place cannot be written.
 */
export async function exportLayersModel(path: string, model: ConcreteModel, weights: StoredWeights, metadata: ExportMetadata): Promise<void> {
  const target = exportTarget(path);
  const { dir, stem } = target;
  try {
    makeFolders(dir);
  } catch (err) {
    throw new InputError(path, 'file', `cannot be written (${reason(err)})`);
  }
  const { json, data } = await layersArtifacts(model, weights, { ...metadata, exportedBy: EXPORT_MARKER });
  const binName = weightsFileName(stem, data);
  const bin = join(dir, binName);
  json.weightsManifest[0]!.paths = [binName];
  // The same weights already in place (a second export of one trial) are kept as they are.
  refuseSpecial(bin);
  const binThere = lstatSync(bin, { throwIfNoEntry: false }) !== undefined;
  if (binThere && !isOwnWeights(bin))
    throw new InputError(bin, 'file', 'already exists and its bytes are not the weights its name says; tune will not replace it');
  removeDeadTemporaries(dir, basename(path), stem);
  let placedBin = false;
  try {
    if (!binThere) {
      placeFile(bin, data, () => refuseSpecial(bin), temporaryBeside(bin, `${stem}.weights`));
      placedBin = true;
    }
    placeFile(path, JSON.stringify(json), () => refuseSpecial(path));
  } catch (err) {
    if (placedBin) rmSync(bin, { force: true });
    throw writeFailure(path, err);
  }
  // Proven again right before removal: the earlier files may have changed since the check.
  for (const old of target.earlier) if (old !== binName && isOwnWeights(join(dir, old))) rmSync(join(dir, old), { force: true });
}

/** The model.json object (its weights path still to fill in) and the weights' bytes. */
interface Artifacts {
  json: { weightsManifest: { paths: string[]; weights?: unknown }[] } & Record<string, unknown>;
  data: Uint8Array;
}

async function layersArtifacts(model: ConcreteModel, weights: StoredWeights, metadata: ExportMetadata): Promise<Artifacts> {
  const layersModel = buildLayersModel(model);
  try {
    layersModel.setWeights(weights.tensors.map((t) => tf.tensor(t.values, t.shape)));
    layersModel.setUserDefinedMetadata({ tune: metadata as unknown as Record<string, unknown> } as never);
    let out: Artifacts | undefined;
    await layersModel.save({
      save: async (artifacts) => {
        out = {
          json: {
            format: 'layers-model',
            generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
            convertedBy: 'tune',
            modelTopology: artifacts.modelTopology,
            weightsManifest: [{ paths: [] as string[], weights: artifacts.weightSpecs }],
            userDefinedMetadata: artifacts.userDefinedMetadata,
          },
          data: new Uint8Array(artifacts.weightData as ArrayBuffer),
        };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    });
    return out!;
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

/** Removes temporary files of earlier exports to the same place whose process no longer runs. */
function removeDeadTemporaries(dir: string, name: string, stem: string): void {
  const mine = new RegExp(`^\\.(?:${escape(name)}|${escape(stem)}\\.weights)\\.(\\d+)\\.tmp$`);
  for (const file of readdirSync(dir)) {
    const pid = mine.exec(file)?.[1];
    // This process has not written its own yet, so one with its pid is a dead namesake's.
    const dead = pid !== undefined && (Number(pid) === process.pid || !processAlive(Number(pid)));
    if (dead && lstatSync(join(dir, file)).isFile()) rmSync(join(dir, file), { force: true });
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
