/**
 * Separate entry for the onnxruntime-node serving helpers (native dependency), so the
 * framework-free core (`libs/ml/src/index.ts`) stays free of native modules.
 */
export * from './onnx/runtime.js';
