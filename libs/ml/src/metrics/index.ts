export * from './validate.js';
export * from './sum.js';
export * from './classification.js';
export * from './ranking.js';
export * from './probabilistic.js';
export * from './threshold.js';
