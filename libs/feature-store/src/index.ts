export * from './feature-store.error.js';
export * from './value-codec.js';
export * from './feature-view.js';
export { WRITE_SCRIPT, WRITE_SCRIPT_SHA } from './write-script.js';
export * from './feature-store.js';
export * from './customer-features.js';
export * from './record-features.js';
