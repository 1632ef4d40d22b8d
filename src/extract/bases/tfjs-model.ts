import * as tf from '@tensorflow/tfjs';
import { InputError, reason } from '../../errors.js';
import type { TensorBase } from './base.js';
import { cutTopology } from './layers-topology.js';
import { fileHandler, isGraphModel, loadLayersFile, readModelJson } from './model-files.js';

/**
 * Any tfjs Layers or Graph model from disk, cut at `layer` (a layer name, or a graph node name)
 * when given. Layers models are pruned to the cut and resized to size x size before loading.
 * Throws InputError for a bad model.json, missing weight files or an unknown layer.
 */
export async function loadTfjsModel(path: string, layer: string | undefined, size: number): Promise<TensorBase> {
  const json = readModelJson(path);
  if (isGraphModel(json)) return loadGraph(path, json, layer);
  const modelTopology = cutTopology(path, json.modelTopology, layer, size);
  const model = await loadLayersFile(path, { ...json, modelTopology }, { strict: false });
  return {
    name: path,
    ...(layer !== undefined ? { layer } : {}),
    apply: (images) => asMap(model.predict(images) as tf.Tensor),
    dispose: () => model.dispose(),
  };
}

async function loadGraph(path: string, json: ReturnType<typeof readModelJson>, layer: string | undefined): Promise<TensorBase> {
  let model: tf.GraphModel;
  try {
    model = await tf.loadGraphModel(fileHandler(path, json));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(path, 'model', `cannot be loaded as a tfjs Graph model (${reason(err)})`);
  }
  const nodes = (json.modelTopology['node'] as { name: string }[] | undefined)?.map((n) => n.name) ?? [];
  if (layer !== undefined && !nodes.includes(layer.replace(/:\d+$/, ''))) {
    throw new InputError(path, `layer "${layer}"`, `no such node in the graph (it has ${nodes.length} nodes)`);
  }
  return {
    name: path,
    ...(layer !== undefined ? { layer } : {}),
    apply: (images) => asMap((layer !== undefined ? model.execute(images, layer) : model.execute(images)) as tf.Tensor),
    dispose: () => model.dispose(),
  };
}

/** Feature maps are (n, h, w, c); a cut after pooling gives (n, c), seen here as (n, 1, 1, c). */
function asMap(t: tf.Tensor): tf.Tensor4D {
  if (t.rank === 4) return t as tf.Tensor4D;
  const [n, ...rest] = t.shape;
  const c = rest.reduce((a, b) => a * b, 1);
  const map = t.reshape([n!, 1, 1, c]) as tf.Tensor4D;
  t.dispose();
  return map;
}
