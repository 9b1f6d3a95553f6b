import { ProtoWriter } from './protobuf-writer.js';

/**
 * Input packing of an exported pipeline for serving: `exportPipelineToOnnx` declares one graph
 * input per raw column (`tenure` double [N, 1], `contract` string [N, 1], ...). onnxruntime pays a
 * fixed cost per input tensor on every run (about 3 us each for the 19 Telco columns: a quarter
 * of a 1-row run). {@link packOnnxInputs} rewrites the model bytes so that the columns of one
 * element type arrive as ONE tensor [N, k] that a `Split` node (axis 1) cuts back into the
 * original [N, 1] values under their original names. The rest of the graph is untouched, byte for
 * byte, so the packed model computes exactly what the original computes (Split only copies).
 *
 * Works on the protobuf wire format (field numbers of onnx/onnx.proto): ModelProto.graph = 7,
 * ModelProto.opset_import = 8; GraphProto.node = 1, initializer = 5, input = 11, output = 12;
 * ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1; TypeProto.Tensor.elem_type = 1,
 * shape = 2; TensorShapeProto.dim = 1; Dimension.dim_value = 1, dim_param = 2.
 */

/** Element types a packed input can carry (TensorProto.DataType codes 8, 11, 1). */
export type PackedElemType = 'string' | 'float64' | 'float32';

/** One raw column the original graph reads: an input of shape [N, 1]. */
export interface PackedColumn {
  readonly name: string;
  readonly type: PackedElemType;
}

/** One packed input: `columns` in order along axis 1. */
export interface PackedInputGroup {
  /** The new graph input's name. */
  readonly input: string;
  readonly type: PackedElemType;
  readonly columns: readonly string[];
}

export interface PackedOnnxModel {
  /** The rewritten model. */
  readonly bytes: Uint8Array;
  /** The original graph inputs, in graph order (the request contract stays per column). */
  readonly columns: readonly PackedColumn[];
  /** The packed inputs (one per element type with at least two columns). */
  readonly groups: readonly PackedInputGroup[];
  /** Original inputs fed as they are (the single column of an element type). */
  readonly single: readonly PackedColumn[];
}

const ELEM: Readonly<Record<number, PackedElemType>> = { 8: 'string', 11: 'float64', 1: 'float32' };
const ELEM_CODE: Readonly<Record<PackedElemType, number>> = { string: 8, float64: 11, float32: 1 };

interface Field {
  readonly field: number;
  readonly wire: number;
  /** The whole field, tag included. */
  readonly start: number;
  readonly end: number;
  /** The value (payload of a length-delimited field; the varint bytes otherwise). */
  readonly valueStart: number;
  readonly valueEnd: number;
}

function readVarint(buf: Uint8Array, at: { p: number }): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at.p >= buf.length) throw new RangeError('packOnnxInputs: truncated varint in the model bytes');
    const b = buf[at.p++]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) return result;
    scale *= 128;
  }
  throw new RangeError('packOnnxInputs: varint longer than 10 bytes in the model bytes');
}

/** The top-level fields of one message, in order. */
function fieldsOf(buf: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  const at = { p: start };
  while (at.p < end) {
    const fieldStart = at.p;
    const key = readVarint(buf, at);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let valueStart = at.p;
    if (wire === 0) readVarint(buf, at);
    else if (wire === 1) at.p += 8;
    else if (wire === 5) at.p += 4;
    else if (wire === 2) {
      const len = readVarint(buf, at);
      valueStart = at.p;
      at.p += len;
    } else throw new RangeError(`packOnnxInputs: unsupported protobuf wire type ${wire} (field ${field})`);
    if (at.p > end) throw new RangeError(`packOnnxInputs: field ${field} runs past the end of its message`);
    out.push({ field, wire, start: fieldStart, end: at.p, valueStart, valueEnd: at.p });
  }
  return out;
}

const DECODER = new TextDecoder();
const text = (buf: Uint8Array, f: Field): string => DECODER.decode(buf.subarray(f.valueStart, f.valueEnd));
const varintValue = (buf: Uint8Array, f: Field): number => readVarint(buf, { p: f.valueStart });
const sub = (buf: Uint8Array, f: Field, field: number): Field[] => fieldsOf(buf, f.valueStart, f.valueEnd).filter((x) => x.field === field);

interface GraphInput {
  readonly field: Field;
  readonly name: string;
  /** Packable: a tensor of a supported element type and shape [batch, 1]. */
  readonly column: PackedColumn | undefined;
  /** The batch dimension's bytes (Dimension message), reused for the packed input. */
  readonly batchDim: Uint8Array | undefined;
}

function readInput(buf: Uint8Array, f: Field): GraphInput {
  const name = sub(buf, f, 1).map((x) => text(buf, x))[0] ?? '';
  const tensor = sub(buf, f, 2).flatMap((t) => sub(buf, t, 1))[0];
  if (tensor === undefined) return { field: f, name, column: undefined, batchDim: undefined };
  const elem = sub(buf, tensor, 1).map((x) => varintValue(buf, x))[0];
  const dims = sub(buf, tensor, 2).flatMap((s) => sub(buf, s, 1));
  const type = elem === undefined ? undefined : ELEM[elem];
  if (type === undefined || dims.length !== 2) return { field: f, name, column: undefined, batchDim: undefined };
  const width = sub(buf, dims[1]!, 1).map((x) => varintValue(buf, x))[0];
  if (width !== 1) return { field: f, name, column: undefined, batchDim: undefined };
  return { field: f, name, column: { name, type }, batchDim: buf.subarray(dims[0]!.valueStart, dims[0]!.valueEnd) };
}

/**
 * Rewrites an ONNX model so the [N, 1] inputs of each element type (string, double, float) arrive
 * packed into one [N, k] input, split back by a `Split` node (opset 18+, `num_outputs`).
 *
 * @param bytes an ONNX model, typically from `exportPipelineToOnnx` (one input per raw column).
 * @returns the rewritten model and its input layout; `undefined` when there is nothing to gain or
 *   the model is outside what the rewrite handles (default-domain opset below 18, an input that
 *   is not a string/double/float [N, 1] tensor or is also an initializer, no element type with two
 *   or more inputs): feed it per column.
 * @throws RangeError when `bytes` is not a well-formed protobuf message.
 */
export function packOnnxInputs(bytes: Uint8Array): PackedOnnxModel | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new TypeError('packOnnxInputs: bytes must be a non-empty Uint8Array holding an .onnx model');
  const top = fieldsOf(bytes, 0, bytes.length);
  const graphs = top.filter((f) => f.field === 7 && f.wire === 2);
  if (graphs.length !== 1) return undefined;
  let opset = 0;
  for (const o of top.filter((f) => f.field === 8 && f.wire === 2)) {
    const domain = sub(bytes, o, 1).map((x) => text(bytes, x))[0] ?? '';
    if (domain === '' || domain === 'ai.onnx') opset = sub(bytes, o, 2).map((x) => varintValue(bytes, x))[0] ?? 0;
  }
  if (opset < 18) return undefined;

  const graph = graphs[0]!;
  const gfields = fieldsOf(bytes, graph.valueStart, graph.valueEnd);
  const inputs = gfields.filter((f) => f.field === 11 && f.wire === 2).map((f) => readInput(bytes, f));
  // Every name the graph uses, so the new inputs and nodes get fresh ones.
  const used = new Set<string>(inputs.map((i) => i.name));
  const initializers = new Set<string>();
  for (const f of gfields) {
    if (f.field === 1 && f.wire === 2) for (const x of fieldsOf(bytes, f.valueStart, f.valueEnd)) if (x.field === 1 || x.field === 2 || x.field === 3) used.add(text(bytes, x));
    if ((f.field === 5 || f.field === 12 || f.field === 13) && f.wire === 2) for (const x of sub(bytes, f, f.field === 5 ? 8 : 1)) used.add(text(bytes, x));
    if (f.field === 5 && f.wire === 2) for (const x of sub(bytes, f, 8)) initializers.add(text(bytes, x));
  }
  const fresh = (base: string): string => {
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };

  // Every input must be a raw column [N, 1] of a supported type (what onnxFeeds feeds).
  if (inputs.length === 0 || inputs.some((i) => i.column === undefined || initializers.has(i.name))) return undefined;
  const byType = new Map<PackedElemType, GraphInput[]>();
  for (const i of inputs) {
    const type = i.column!.type;
    const list = byType.get(type) ?? [];
    list.push(i);
    byType.set(type, list);
  }
  const packedTypes = [...byType].filter(([, list]) => list.length >= 2);
  if (packedTypes.length === 0) return undefined;

  const nodes = new ProtoWriter(1024);
  const newInputs = new ProtoWriter(256);
  const groups: PackedInputGroup[] = [];
  const packedNames = new Set<string>();
  for (const [type, list] of packedTypes) {
    const input = fresh(`packed_${type}`);
    const columns = list.map((i) => i.name);
    for (const c of columns) packedNames.add(c);
    groups.push({ input, type, columns });
    nodes.message(1, (n) => {
      n.string(1, input);
      for (const c of columns) n.string(2, c);
      n.string(3, fresh(`unpack_${type}`));
      n.string(4, 'Split');
      // AttributeProto: name = 1, i = 3, type = 20 (INT = 2).
      n.message(5, (a) => a.string(1, 'axis').int(3, 1).int(20, 2));
      n.message(5, (a) => a.string(1, 'num_outputs').int(3, columns.length).int(20, 2));
    });
    const batchDim = list[0]!.batchDim!;
    newInputs.message(11, (v) => {
      v.string(1, input);
      v.message(2, (tp) =>
        tp.message(1, (tt) => {
          tt.int(1, ELEM_CODE[type]);
          tt.message(2, (sh) => {
            sh.bytes(1, batchDim);
            sh.message(1, (d) => d.int(1, columns.length));
          });
        }),
      );
    });
  }

  // The graph: the Split nodes first (topological order), then every original field but the
  // packed inputs, then the packed inputs.
  const parts: Uint8Array[] = [nodes.finish().slice()];
  for (const f of gfields) {
    if (f.field === 11 && f.wire === 2 && packedNames.has(inputs.find((i) => i.field === f)!.name)) continue;
    parts.push(bytes.subarray(f.start, f.end));
  }
  parts.push(newInputs.finish().slice());
  const graphBytes = concat(parts);
  const model: Uint8Array[] = [];
  for (const f of top) model.push(f === graph ? new ProtoWriter(graphBytes.length + 16).bytes(7, graphBytes).finish().slice() : bytes.subarray(f.start, f.end));

  const columns = inputs.map((i) => Object.freeze({ ...i.column! }));
  return {
    bytes: concat(model),
    columns: Object.freeze(columns),
    groups: Object.freeze(groups),
    single: Object.freeze(columns.filter((c) => !packedNames.has(c.name))),
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
