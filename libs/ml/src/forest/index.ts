export { RandomForestClassifier, resolveMaxFeatures, type RandomForestParams } from './random-forest.js';
export { growForestTree, type GrowConfig, type GrownTree } from './grow-tree.js';
