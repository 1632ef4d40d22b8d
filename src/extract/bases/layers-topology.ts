import { InputError } from '../../errors.js';

/** One layer of a Keras/tfjs Layers topology, as JSON. */
interface LayerJson {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

/**
 * Rewrites a Layers model topology so that it ends at `layer` (keeping only the layers it
 * depends on) and takes size x size images. Pruning before loading matters: the head of a
 * classifier (Flatten, Dense) only fits the input size it was trained at, and its weights
 * need not be loaded at all. Returns a new object; throws InputError when `layer` is absent.
 */
export function cutTopology(modelPath: string, topology: Record<string, unknown>, layer: string | undefined, size: number): Record<string, unknown> {
  const copy = structuredClone(topology);
  const model = (copy['model_config'] ?? copy) as { class_name: string; config: unknown };
  const layers = layerList(model);
  if (!layers) throw new InputError(modelPath, 'modelTopology', 'has no layer list; expected a Keras functional or Sequential model');
  if (layer !== undefined && !layers.some((l) => l.name === layer)) {
    const names = layers.map((l) => l.name);
    const tail = names.slice(-8).join(', ');
    throw new InputError(modelPath, `layer "${layer}"`, `no such layer (the model has ${names.length}, ending with ${tail})`);
  }
  if (model.class_name === 'Sequential') {
    const cut = layer === undefined ? layers.length : layers.findIndex((l) => l.name === layer) + 1;
    layers.splice(cut);
  } else if (layer !== undefined) {
    const keep = ancestors(layers, layer);
    const kept = layers.filter((l) => keep.has(l.name));
    layers.splice(0, layers.length, ...kept);
    (model.config as Record<string, unknown>)['output_layers'] = [[layer, 0, 0]];
  }
  setInputSize(layers, size);
  return copy;
}

function layerList(model: { config: unknown }): LayerJson[] | undefined {
  const config = model.config as { layers?: unknown } | unknown[];
  if (Array.isArray(config)) return config as LayerJson[];
  const list = (config as { layers?: unknown }).layers;
  return Array.isArray(list) ? (list as LayerJson[]) : undefined;
}

function ancestors(layers: LayerJson[], target: string): Set<string> {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const keep = new Set<string>();
  const stack = [target];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (keep.has(name)) continue;
    keep.add(name);
    for (const node of byName.get(name)?.inbound_nodes ?? []) {
      for (const inbound of node as unknown[]) {
        const parent = Array.isArray(inbound) ? inbound[0] : (inbound as { args?: unknown })?.args;
        if (typeof parent === 'string') stack.push(parent);
      }
    }
  }
  return keep;
}

/** Sets the spatial size of every input layer (and a Sequential's first layer) to size x size. */
function setInputSize(layers: LayerJson[], size: number): void {
  for (const l of layers) {
    const shape = l.config['batch_input_shape'] ?? l.config['batch_shape'];
    if (Array.isArray(shape) && shape.length === 4) {
      const resized = [shape[0], size, size, shape[3]];
      if ('batch_input_shape' in l.config) l.config['batch_input_shape'] = resized;
      if ('batch_shape' in l.config) l.config['batch_shape'] = resized;
    }
  }
}
