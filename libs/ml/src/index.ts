export * from './core/matrix.js';
export * from './core/estimator.js';
export * from './trees/tree.js';
export * from './core/random.js';
export * from './onnx/index.js';
