// Jest test environment for specs that run onnxruntime-node.
//
// Jest evaluates test code in its own vm context, whose typed-array constructors differ from the
// ones of the main Node realm. onnxruntime-node's native binding returns output buffers created in
// the main realm, and onnxruntime-common then rejects them (`A float32 tensor's data must be type
// of function Float32Array()`). Sharing the main realm's typed-array constructors with the test
// context removes the mismatch. Use it per file with the docblock
//   /** @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs */
import { TestEnvironment } from 'jest-environment-node';

const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
];

export default class OrtTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}
