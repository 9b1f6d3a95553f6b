import 'reflect-metadata';

export * from './bootstrap-service.js';
export * from './service-info.js';
export * from './version.js';
export * from './manifest/service-manifest.js';
export * from './infra/service-database.js';
export * from './infra/service-redis.js';
export * from './infra/service-idempotency.store.js';
export * from './system/ping-responder.service.js';
export * from './system/consumer-lag.metrics.js';
export { PingConsumer } from './system/ping.consumer.js';
export { SystemController, type SystemInfo } from './system/system.controller.js';
export { SystemModule } from './system/system.module.js';
export * from './datasets/dataset-reader.js';
