import { readFileSync } from 'node:fs';
import { InputError, reason } from '../../errors.js';
import { cutModel, feedInputs, findValue, parseModel, type ParsedModel } from '../onnx/onnx-model.js';
import { DATA_TYPE, type TensorInfo } from '../onnx/onnx-proto.js';
import { createSession } from '../onnx/onnx-runtime.js';
import type { ConvBase, Layout } from './base.js';
import { sessionBase, type SessionIo } from './session-base.js';

/** The channel count tune feeds: RGB. */
const CHANNELS = 3;

/**
 * Any ONNX model as a conv base: cut at `layer` (a node output, or a node's name for its
 * first output), else at the graph's first output, with everything the cut does not need
 * pruned. Throws InputError for a file that is not ONNX, an unknown layer, or an input that
 * is not one float image batch of the requested size.
 */
export async function loadOnnxModel(path: string, layer: string | undefined, layout: Layout | undefined, size: number, threads: number): Promise<ConvBase> {
  const plan = planOnnxModel(path, layer, layout, size);
  return sessionBase(await createSession(plan.bytes, threads, path), plan.io);
}

/**
 * Reads, checks and cuts an ONNX model without running it: the bytes to give the runtime
 * and what to feed and fetch. Also called on the main thread before workers start, so that
 * a bad model is one error line, and to learn the layout (which picks the preprocessing).
 *
 * Layout, unless given: an input (n, 3, h, w) is NCHW and (n, h, w, 3) is NHWC; when the
 * shape cannot tell (no shape, symbolic channels, or 3 in both places) it is NCHW, the
 * layout of PyTorch's exports, where most ONNX files come from.
 */
export function planOnnxModel(path: string, layer: string | undefined, layout: Layout | undefined, size: number): { bytes: Uint8Array; io: SessionIo } {
  const model = readModel(path);
  const output = layer !== undefined ? findValue(model, layer) : model.outputs[0]?.name;
  if (output === undefined) {
    throw layer !== undefined
      ? new InputError(path, `layer "${layer}"`, `no node or node output of that name in the graph (it has ${model.nodes.length} nodes)`)
      : new InputError(path, 'graph', 'has no outputs');
  }
  const cut = cutModel(model, output);
  const feeds = feedInputs(model).filter((i) => cut.inputs.includes(i.name));
  if (feeds.length !== 1) {
    throw new InputError(
      path,
      layer !== undefined ? `layer "${layer}"` : 'graph',
      `needs ${feeds.length} inputs (${feeds.map((i) => i.name).join(', ')}); tune feeds exactly one image batch`,
    );
  }
  const input = feeds[0]!;
  const chosen = layout ?? detectLayout(input);
  const fixedBatch = checkInput(path, input, chosen, size);
  return {
    bytes: cut.bytes,
    io: {
      name: path,
      ...(layer !== undefined ? { layer } : {}),
      input: input.name,
      output,
      layout: chosen,
      size,
      ...(fixedBatch !== undefined ? { fixedBatch } : {}),
    },
  };
}

function readModel(path: string): ParsedModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new InputError(path, 'file', `cannot be read (${reason(err)})`);
  }
  try {
    return parseModel(bytes);
  } catch (err) {
    throw new InputError(path, 'file', `is not an ONNX model (${reason(err)})`);
  }
}

function detectLayout(input: TensorInfo): Layout {
  const dims = input.dims;
  if (dims?.length !== 4) return 'nchw';
  return dims[3] === CHANNELS && dims[1] !== CHANNELS ? 'nhwc' : 'nchw';
}

/** Checks the image input against the layout and size; returns a batch size the model fixes. */
function checkInput(path: string, input: TensorInfo, layout: Layout, size: number): number | undefined {
  const where = `input "${input.name}"`;
  if (input.elemType !== undefined && input.elemType !== DATA_TYPE.FLOAT) {
    throw new InputError(path, where, `has element type ${input.elemType}; tune feeds float32 (type ${DATA_TYPE.FLOAT}) images`);
  }
  const dims = input.dims;
  if (dims === undefined) return undefined;
  if (dims.length !== 4) throw new InputError(path, where, `has shape [${dims.join(', ')}]; expected a batch of images, rank 4`);
  const [batch, ...rest] = dims;
  const [c, h, w] = layout === 'nchw' ? rest : [rest[2], rest[0], rest[1]];
  if (typeof c === 'number' && c !== CHANNELS) {
    throw new InputError(
      path,
      where,
      `takes ${c} channels (${layout} [${dims.join(', ')}]); tune feeds RGB images (pass --layout if the layout was guessed wrong)`,
    );
  }
  for (const side of [h, w]) {
    if (typeof side === 'number' && side !== size) {
      throw new InputError(path, where, `takes ${h}x${w} images (${layout} [${dims.join(', ')}]), not ${size}x${size}; pass --size ${side}`);
    }
  }
  return typeof batch === 'number' && batch > 0 ? batch : undefined;
}
