import protobuf from 'protobufjs';
import { encodeOnnxModel } from './onnx-model.js';
import { OnnxGraphBuilder, onnxAttr } from './graph-builder.js';
import { ProtoWriter } from './protobuf-writer.js';

// Field numbers copied from the official onnx/onnx.proto, decoded by protobufjs: an independent
// check of our hand-written encoder.
const ONNX_PROTO = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1; optional int32 type = 20; optional float f = 2; optional int64 i = 3;
  optional bytes s = 4; optional TensorProto t = 5; repeated float floats = 7; repeated int64 ints = 8;
  repeated bytes strings = 9;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; }
message NodeProto {
  repeated string input = 1; repeated string output = 2; optional string name = 3;
  optional string op_type = 4; optional string domain = 7; repeated AttributeProto attribute = 5;
}
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message ModelProto {
  optional int64 ir_version = 1; repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2; optional string producer_version = 3; optional string doc_string = 6;
  optional GraphProto graph = 7; repeated StringStringEntryProto metadata_props = 14;
}
message GraphProto {
  repeated NodeProto node = 1; optional string name = 2; repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12;
}
message TensorProto {
  repeated int64 dims = 1; optional int32 data_type = 2; repeated bytes string_data = 6;
  optional string name = 8; optional bytes raw_data = 9;
}
message TensorShapeProto { message Dimension { optional int64 dim_value = 1; optional string dim_param = 2; } repeated Dimension dim = 1; }
message TypeProto { message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; } optional Tensor tensor_type = 1; }
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
`;

interface Decoded {
  irVersion: number;
  opsetImport: { domain?: string; version: number }[];
  producerName: string;
  metadataProps: { key: string; value: string }[];
  graph: {
    name: string;
    node: { input: string[]; output: string[]; opType: string; domain?: string; attribute: { name: string; type: number; i?: number; f?: number; ints?: number[]; floats?: number[]; strings?: Uint8Array[] }[] }[];
    initializer: { name: string; dims: number[]; dataType: number; rawData?: Uint8Array; stringData?: Uint8Array[] }[];
    input: { name: string; type: { tensorType: { elemType: number; shape: { dim: { dimValue?: number; dimParam?: string }[] } } } }[];
    output: { name: string }[];
  };
}

function decode(bytes: Uint8Array): Decoded {
  const root = protobuf.parse(ONNX_PROTO).root;
  const Model = root.lookupType('onnx.ModelProto');
  return Model.toObject(Model.decode(bytes), { longs: Number, defaults: false, arrays: true }) as Decoded;
}

describe('ProtoWriter', () => {
  it('writes varints, negative int64 as 10-byte two\'s complement, floats little-endian', () => {
    expect(Array.from(new ProtoWriter().varint(300).finish())).toEqual([0xac, 0x02]);
    expect(Array.from(new ProtoWriter().varint(-1).finish())).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(Array.from(new ProtoWriter().varint(2 ** 53 - 1).finish())).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(Array.from(new ProtoWriter().float(2, 1).finish())).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect(() => new ProtoWriter().varint(0.5)).toThrow(/varint: value must be a safe integer, got 0.5/);
  });
});

describe('encodeOnnxModel', () => {
  it('round-trips through protobufjs with the official field numbers', () => {
    const g = new OnnxGraphBuilder('demo');
    const x = g.input('x', 'double', ['N', 3]);
    const s = g.input('s', 'string', ['N', 1]);
    const k = g.constant('k', 'double', [1, 3], [1.5, -2, 0.1]);
    const y = g.op1('Mul', [x, k]);
    const code = g.op1('LabelEncoder', [s], { keys_strings: onnxAttr.strings(['a', 'é']), values_int64s: onnxAttr.ints([-1, 7]), default_int64: -5 }, { domain: 'ai.onnx.ml' });
    g.output(y, 'double', ['N', 3], 'y');
    g.output(code, 'int64', ['N', 1], 'code');
    const m = decode(encodeOnnxModel(g.toModel({ metadata: { a: 'b' } })));
    expect(m.irVersion).toBe(10);
    expect(m.opsetImport).toEqual([{ version: 21 }, { domain: 'ai.onnx.ml', version: 5 }]);
    expect(m.producerName).toBe('@mlops/ml');
    expect(m.metadataProps).toEqual([{ key: 'a', value: 'b' }]);
    expect(m.graph.name).toBe('demo');
    expect(m.graph.input.map((i) => i.name)).toEqual(['x', 's']);
    expect(m.graph.input[0]!.type.tensorType.elemType).toBe(11);
    expect(m.graph.input[0]!.type.tensorType.shape.dim).toEqual([{ dimParam: 'N' }, { dimValue: 3 }]);
    expect(m.graph.input[1]!.type.tensorType.elemType).toBe(8);
    const init = m.graph.initializer[0]!;
    expect(init.dims).toEqual([1, 3]);
    expect(init.dataType).toBe(11);
    expect(Array.from(new Float64Array(Uint8Array.from(init.rawData!).buffer))).toEqual([1.5, -2, 0.1]);
    const le = m.graph.node.find((n) => n.opType === 'LabelEncoder')!;
    expect(le.domain).toBe('ai.onnx.ml');
    const attrs = Object.fromEntries(le.attribute.map((a) => [a.name, a]));
    expect(attrs['values_int64s']!.ints).toEqual([-1, 7]);
    expect(attrs['values_int64s']!.type).toBe(7);
    expect(attrs['default_int64']!.i).toBe(-5);
    expect(attrs['keys_strings']!.strings!.map((b) => new TextDecoder().decode(b))).toEqual(['a', 'é']);
    expect(m.graph.output.map((o) => o.name)).toEqual(['y', 'code']);
  });

  it('rejects a tensor whose data does not fill its dims', () => {
    const g = new OnnxGraphBuilder('bad');
    expect(() => g.constant('k', 'double', [2, 2], [1, 2, 3])).toThrow(/3 values for dims \[2, 2\]/);
  });
});
