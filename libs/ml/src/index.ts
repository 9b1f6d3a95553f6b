export * from './core/matrix.js';
export * from './core/estimator.js';
export * from './trees/tree.js';
export * from './core/random.js';
export * from './onnx/index.js';
export * from './gbdt/gradient-boosting.js';
export * from './gbdt/params.js';
export * from './gbdt/binning.js';
