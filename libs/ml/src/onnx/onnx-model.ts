import { ProtoWriter, littleEndianBytes } from './protobuf-writer.js';

/**
 * The subset of the ONNX IR our exporters write, as plain TypeScript data, and its protobuf
 * encoding. Field numbers follow the official onnx/onnx.proto (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto).
 */

/** Element types we use, with their `TensorProto.DataType` codes. */
export const ONNX_DATA_TYPE = {
  float: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  double: 11,
} as const;
export type OnnxElemType = keyof typeof ONNX_DATA_TYPE;

/** A constant tensor. Row-major data; `dims` [] is a scalar. */
export type OnnxTensor =
  | { name?: string; type: 'float'; dims: readonly number[]; data: Float32Array }
  | { name?: string; type: 'double'; dims: readonly number[]; data: Float64Array }
  | { name?: string; type: 'int64'; dims: readonly number[]; data: BigInt64Array }
  | { name?: string; type: 'int32'; dims: readonly number[]; data: Int32Array }
  | { name?: string; type: 'uint8' | 'bool'; dims: readonly number[]; data: Uint8Array }
  | { name?: string; type: 'string'; dims: readonly number[]; data: readonly string[] };

export type OnnxAttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: OnnxTensor }
  | { type: 'floats'; value: ArrayLike<number> }
  | { type: 'ints'; value: ArrayLike<number> }
  | { type: 'strings'; value: readonly string[] };

export interface OnnxNode {
  readonly opType: string;
  readonly domain?: string;
  readonly name?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, OnnxAttributeValue>>;
}

/** A dimension: a fixed size, a symbolic name (e.g. 'N'), or unknown (null). */
export type OnnxDim = number | string | null;

export interface OnnxValueInfo {
  readonly name: string;
  readonly type: OnnxElemType;
  readonly shape: readonly OnnxDim[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly docString?: string;
}

export interface OnnxModel {
  readonly irVersion: number;
  /** Operator sets, e.g. `{ '': 21, 'ai.onnx.ml': 5 }` ('' is the default ONNX domain). */
  readonly opsets: Readonly<Record<string, number>>;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: OnnxGraph;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  w.packedInts(1, t.dims); // dims
  w.int(2, ONNX_DATA_TYPE[t.type]); // data_type
  if (t.name !== undefined) w.string(8, t.name);
  if (t.type === 'string') {
    for (const s of t.data) w.string(6, s); // string_data
  } else {
    w.bytes(9, littleEndianBytes(t.data)); // raw_data
  }
}

function writeAttribute(w: ProtoWriter, name: string, a: OnnxAttributeValue): void {
  w.string(1, name);
  w.int(20, ATTR_TYPE[a.type]);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, (c) => writeTensor(c, a.value));
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      break;
    case 'strings':
      for (const s of a.value) w.string(9, s);
      break;
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name !== undefined) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes ?? {})) w.message(5, (c) => writeAttribute(c, name, a));
  if (n.domain) w.string(7, n.domain);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  // TypeProto.tensor_type (1) -> Tensor { elem_type (1), shape (2) -> TensorShapeProto { dim (1) } }
  w.message(2, (tp) =>
    tp.message(1, (tt) => {
      tt.int(1, ONNX_DATA_TYPE[v.type]);
      tt.message(2, (sh) => {
        for (const d of v.shape) {
          sh.message(1, (dim) => {
            if (typeof d === 'number') dim.int(1, d);
            else if (typeof d === 'string') dim.string(2, d);
          });
        }
      });
    }),
  );
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (c) => writeNode(c, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (c) => writeTensor(c, t));
  if (g.docString) w.string(10, g.docString);
  for (const v of g.inputs) w.message(11, (c) => writeValueInfo(c, v));
  for (const v of g.outputs) w.message(12, (c) => writeValueInfo(c, v));
}

/**
 * Serialises a model to ONNX protobuf bytes (a `.onnx` file), loadable by onnxruntime.
 *
 * @example
 * const bytes = encodeOnnxModel(model); // Uint8Array
 * await ort.InferenceSession.create(bytes);
 */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter(1 << 16);
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, (c) => writeGraph(c, m.graph));
  for (const [domain, version] of Object.entries(m.opsets)) {
    w.message(8, (c) => {
      if (domain) c.string(1, domain);
      c.int(2, version);
    });
  }
  for (const [key, value] of Object.entries(m.metadata ?? {})) {
    w.message(14, (c) => c.string(1, key).string(2, value));
  }
  return w.finish().slice();
}
