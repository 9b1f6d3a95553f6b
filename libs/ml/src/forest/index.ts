export { RandomForestClassifier, resolveMaxFeatures, type RandomForestParams } from './random-forest.js';
export { growForestTree, type ForestGrowConfig, type ForestGrownTree } from './grow-tree.js';
