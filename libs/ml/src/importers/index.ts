export { importXGBoostJson, parseXGBoostBaseScore } from './xgboost-json.js';
export { importLightGBMText, LIGHTGBM_ZERO_THRESHOLD } from './lightgbm-text.js';
export { ModelImportError } from './tree-builder.js';
