import protobuf from 'protobufjs';

/**
 * The few ONNX messages tune writes and reads, by their field numbers in the ONNX IR spec.
 * Written here as a protobufjs JSON descriptor rather than generated from onnx.proto: tune
 * needs about a tenth of the spec, and a field it does not name is never lost, because
 * models that tune edits are edited at the wire level (onnx-wire.ts), not decoded and
 * re-encoded. Field names are ours; only the numbers and types are the format.
 */
const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            tensors: { rule: 'repeated', type: 'TensorProto', id: 10 },
            graphs: { rule: 'repeated', type: 'GraphProto', id: 11 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4 },
            int64Data: { rule: 'repeated', type: 'int64', id: 7 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
          },
        },
        TypeProto: {
          fields: {
            tensorType: { type: 'TensorTypeProto', id: 1 },
          },
        },
        TensorTypeProto: {
          fields: {
            elemType: { type: 'int32', id: 1 },
            shape: { type: 'TensorShapeProto', id: 2 },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: 'repeated', type: 'DimensionProto', id: 1 },
          },
        },
        DimensionProto: {
          fields: {
            dimValue: { type: 'int64', id: 1 },
            dimParam: { type: 'string', id: 2 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(DESCRIPTOR);
const type = (name: string): protobuf.Type => root.lookupType(`onnx.${name}`);

/** The message types, for encoding (`Type.encode(obj).finish()`) and decoding. */
export const ONNX = {
  Model: type('ModelProto'),
  Graph: type('GraphProto'),
  Node: type('NodeProto'),
  ValueInfo: type('ValueInfoProto'),
  Tensor: type('TensorProto'),
};

/** TensorProto.DataType values tune uses. */
export const DATA_TYPE = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values tune uses. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, GRAPH: 5, INTS: 7, GRAPHS: 10 } as const;

/**
 * The IR version and default-domain opset tune's own graphs declare: IR 7 with opset 13 is
 * read by every ONNX Runtime since 1.7, and opset 13 has every operator VGG19 needs.
 */
export const IR_VERSION = 7;
export const OPSET = 13;

/** A dimension as read back: a size, a symbolic name, or nothing known. */
export type Dim = number | string | undefined;

export interface TensorInfo {
  name: string;
  /** Element type (DATA_TYPE), when the model says. */
  elemType?: number;
  /** Dimensions, when the model gives a shape at all. */
  dims?: Dim[];
}

/** Reads a ValueInfoProto's name, element type and shape. Called on graph inputs and outputs. */
export function tensorInfo(bytes: Uint8Array): TensorInfo {
  const v = ONNX.ValueInfo.toObject(ONNX.ValueInfo.decode(bytes), { longs: Number }) as {
    name?: string;
    type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } };
  };
  const t = v.type?.tensorType;
  const dims = t?.shape ? (t.shape.dim ?? []).map((d) => d.dimValue ?? d.dimParam) : undefined;
  return {
    name: v.name ?? '',
    ...(t?.elemType !== undefined ? { elemType: t.elemType } : {}),
    ...(dims ? { dims } : {}),
  };
}

/** A ValueInfoProto object for a float tensor; symbolic dimensions are given as strings. */
export function floatValueInfo(name: string, dims: (number | string)[]): object {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
