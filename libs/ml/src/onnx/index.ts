export * from './protobuf-writer.js';
export * from './onnx-model.js';
export * from './graph-builder.js';
export * from './float32-threshold.js';
export * from './tree-ensemble-export.js';
export * from './linear-export.js';
export * from './pipeline-export.js';
export * from './pipeline-adapter.js';
