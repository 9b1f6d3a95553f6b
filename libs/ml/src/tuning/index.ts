export * from './distributions.js';
export * from './truncnorm.js';
export * from './parzen-estimator.js';
export * from './samplers.js';
export * from './pruners.js';
export * from './storage.js';
export * from './study.js';
export * from './worker-objective.js';
export {
  gbdtObjective,
  gbdtParamsFromSearch,
  shareLabels,
  shareMatrix,
  type GbdtObjectiveData,
  type ReportingTrial,
} from './gbdt-objective.js';
