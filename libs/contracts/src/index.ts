export * from './core/envelope.js';
export * from './core/topic.js';
