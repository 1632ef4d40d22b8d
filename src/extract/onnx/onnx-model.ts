import { ONNX, tensorInfo, type TensorInfo } from './onnx-proto.js';
import { concat, lengthDelimited, splitFields, type WireField } from './onnx-wire.js';

/** ModelProto.graph, and the GraphProto fields tune reads or rewrites. */
const MODEL_GRAPH = 7;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
const TENSOR_NAME = 8;

export interface NodeInfo {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  /** Names read inside the node's subgraphs (If, Loop, Scan), which it needs from outside. */
  captured: string[];
  raw: Uint8Array;
}

/**
 * An ONNX model split into what tune needs to see: graph inputs, outputs and nodes, and the
 * untouched bytes of everything else. Built by `parseModel`; `cutModel` rebuilds from it.
 */
export interface ParsedModel {
  modelFields: WireField[];
  graphFields: WireField[];
  inputs: (TensorInfo & { raw: Uint8Array })[];
  outputs: TensorInfo[];
  nodes: NodeInfo[];
  initializers: { name: string; raw: Uint8Array }[];
}

/** Reads a serialised ModelProto. Throws an Error (its message says where) on bad bytes. */
export function parseModel(bytes: Uint8Array): ParsedModel {
  const modelFields = splitFields(bytes);
  const graph = modelFields.filter((f) => f.field === MODEL_GRAPH);
  if (graph.length !== 1) throw new Error(`has ${graph.length} graphs, expected 1 (field 7 of ModelProto)`);
  const graphFields = splitFields(graph[0]!.value);
  const of = (n: number): WireField[] => graphFields.filter((f) => f.field === n);
  return {
    modelFields,
    graphFields,
    inputs: of(GRAPH.input).map((f) => ({ ...tensorInfo(f.value), raw: f.raw })),
    outputs: of(GRAPH.output).map((f) => tensorInfo(f.value)),
    nodes: of(GRAPH.node).map((f) => nodeInfo(f)),
    initializers: of(GRAPH.initializer).map((f) => ({ name: initializerName(f.value), raw: f.raw })),
  };
}

/** The graph inputs that are fed at run time (old IR versions also list weights as inputs). */
export function feedInputs(model: ParsedModel): (TensorInfo & { raw: Uint8Array })[] {
  const weights = new Set(model.initializers.map((i) => i.name));
  return model.inputs.filter((i) => !weights.has(i.name));
}

/** The value a `--layer` names: a node's output, or the first output of the node so named. */
export function findValue(model: ParsedModel, layer: string): string | undefined {
  if (model.nodes.some((n) => n.outputs.includes(layer))) return layer;
  return model.nodes.find((n) => n.name === layer)?.outputs[0];
}

/**
 * The model with `value` as its only output and only the nodes, weights and inputs that
 * value depends on: the base, cut. Every other field is copied byte for byte. Returns the
 * bytes and the inputs the cut still needs.
 */
export function cutModel(model: ParsedModel, value: string): { bytes: Uint8Array; inputs: string[] } {
  const needed = new Set([value]);
  const kept = new Set<NodeInfo>();
  // ONNX keeps nodes in topological order, so one backward pass finds every ancestor.
  for (let i = model.nodes.length - 1; i >= 0; i--) {
    const node = model.nodes[i]!;
    if (!node.outputs.some((o) => needed.has(o))) continue;
    kept.add(node);
    for (const name of [...node.inputs, ...node.captured]) needed.add(name);
  }
  const graph: Uint8Array[] = [];
  for (const f of model.graphFields) {
    if (f.field === GRAPH.output || f.field === GRAPH.node || f.field === GRAPH.initializer || f.field === GRAPH.input) continue;
    graph.push(f.raw);
  }
  graph.push(...model.nodes.filter((n) => kept.has(n)).map((n) => n.raw));
  graph.push(...model.initializers.filter((i) => needed.has(i.name)).map((i) => i.raw));
  graph.push(...model.inputs.filter((i) => needed.has(i.name)).map((i) => i.raw));
  // The cut's shape is left for the runtime to infer: a declared one could only be a guess.
  const output = ONNX.ValueInfo.encode(ONNX.ValueInfo.fromObject({ name: value })).finish();
  graph.push(lengthDelimited(GRAPH.output, output));
  const fields = model.modelFields.filter((f) => f.field !== MODEL_GRAPH).map((f) => f.raw);
  fields.push(lengthDelimited(MODEL_GRAPH, concat(graph)));
  return {
    bytes: concat(fields),
    inputs: feedInputs(model)
      .filter((i) => needed.has(i.name))
      .map((i) => i.name),
  };
}

function nodeInfo(f: WireField): NodeInfo {
  const node = ONNX.Node.toObject(ONNX.Node.decode(f.value), { longs: Number }) as {
    name?: string;
    opType?: string;
    input?: string[];
    output?: string[];
    attribute?: SubgraphHolder[];
  };
  return {
    name: node.name ?? '',
    opType: node.opType ?? '',
    inputs: (node.input ?? []).filter((n) => n !== ''),
    outputs: node.output ?? [],
    captured: capturedNames(node.attribute ?? []),
    raw: f.raw,
  };
}

interface SubgraphHolder {
  g?: { node?: { input?: string[]; attribute?: SubgraphHolder[] }[] };
  graphs?: { node?: { input?: string[]; attribute?: SubgraphHolder[] }[] }[];
}

function capturedNames(attributes: SubgraphHolder[]): string[] {
  const graphs = attributes.flatMap((a) => [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]);
  return graphs.flatMap((g) => (g.node ?? []).flatMap((n) => [...(n.input ?? []), ...capturedNames(n.attribute ?? [])]));
}

function initializerName(tensor: Uint8Array): string {
  const name = splitFields(tensor).find((f) => f.field === TENSOR_NAME);
  return name ? new TextDecoder().decode(name.value) : '';
}
