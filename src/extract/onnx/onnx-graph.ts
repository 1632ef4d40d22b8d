import { ATTRIBUTE_TYPE, DATA_TYPE, IR_VERSION, ONNX, OPSET, floatValueInfo } from './onnx-proto.js';

/** One node attribute, typed as ONNX types it (an int and a float are different attributes). */
export type Attribute = { ints: number[] } | { int: number } | { float: number } | { string: string };

/**
 * Builds an ONNX graph node by node and serialises it as a ModelProto. Used by tune's own
 * bases (VGG19) and by the tests' fixtures. Weights go in as raw little-endian bytes
 * (`raw_data`), which is how ONNX Runtime reads large initializers fastest.
 */
export class GraphBuilder {
  private readonly nodes: object[] = [];
  private readonly initializers: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];

  constructor(private readonly name: string) {}

  /** Declares a float graph input; a string dimension is symbolic (for example the batch). */
  input(name: string, dims: (number | string)[]): this {
    this.inputs.push(floatValueInfo(name, dims));
    return this;
  }

  /** Declares a float graph output, with the dimensions it will have. */
  output(name: string, dims: (number | string)[]): this {
    this.outputs.push(floatValueInfo(name, dims));
    return this;
  }

  /** Adds a constant float tensor (a weight) under `name`. */
  floats(name: string, dims: number[], values: Float32Array): this {
    if (values.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initializer ${name}: ${values.length} values for dims [${dims.join(', ')}]`);
    this.initializers.push({ name, dims, dataType: DATA_TYPE.FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
    return this;
  }

  /** Adds a constant int64 tensor (a shape, for Reshape) under `name`. */
  int64s(name: string, values: number[]): this {
    this.initializers.push({ name, dims: [values.length], dataType: DATA_TYPE.INT64, int64Data: values });
    return this;
  }

  /** Adds a node of the default domain; its name is its first output's. */
  node(opType: string, inputs: string[], outputs: string[], attributes: Record<string, Attribute> = {}): this {
    this.nodes.push({ opType, input: inputs, output: outputs, name: outputs[0], attribute: Object.entries(attributes).map(([n, a]) => attribute(n, a)) });
    return this;
  }

  /** The serialised ModelProto. Called once the graph is complete. */
  toBytes(producer = 'tune'): Uint8Array {
    const model = {
      irVersion: IR_VERSION,
      producerName: producer,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
    const err = ONNX.Model.verify(model);
    if (err) throw new Error(`ONNX model ${this.name}: ${err}`);
    return ONNX.Model.encode(ONNX.Model.fromObject(model)).finish();
  }
}

function attribute(name: string, a: Attribute): object {
  if ('ints' in a) return { name, type: ATTRIBUTE_TYPE.INTS, ints: a.ints };
  if ('int' in a) return { name, type: ATTRIBUTE_TYPE.INT, i: a.int };
  if ('float' in a) return { name, type: ATTRIBUTE_TYPE.FLOAT, f: a.float };
  return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(a.string) };
}
