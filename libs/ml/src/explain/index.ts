export {
  shapValues,
  shapValuesRow,
  shapBaseValue,
  TreeShapError,
  type ShapResult,
  type RowShapResult,
} from './tree-shap.js';
export { meanAbsShap, topContributions, type FeatureContribution } from './importance.js';
