export * from './cross-validate.js';
