/**
 * The registry's domain, free of HTTP: experiment tracking (runs, parameters, metrics, tags),
 * the model registry (versions, stages, aliases, transition history, rollback, outbox events),
 * the content-addressed artifact store, and the TypeORM entities and migrations they persist to.
 * The registry service puts HTTP (its own API and the MLflow REST subset) in front of it; the
 * command-line tools use it directly on an embedded database in laptop mode.
 */
export * from './registry.error.js';
export * from './database/registry.entities.js';
export * from './database/1767398400000-create-registry-tables.js';
export * from './database/1795726075000-metrics-run-check-per-statement.js';
export * from './database/registry.migrations.js';
export { SqliteAccess, isSqlite, type SqliteQuery } from './database/sqlite/sqlite-access.js';
export * from './tracking/tracking.types.js';
export * from './tracking/tracking.store.js';
export { TypeOrmTrackingStore } from './tracking/typeorm-tracking.store.js';
export * from './tracking/sqlite-tracking.store.js';
export * from './tracking/tracking.service.js';
export * from './tracking/run-filter.js';
export * from './model-registry/model-registry.types.js';
export * from './model-registry/model-registry.store.js';
export { TypeOrmModelRegistryStore } from './model-registry/typeorm-model-registry.store.js';
export * from './model-registry/sqlite-model-registry.store.js';
export * from './model-registry/model-registry.service.js';
export * from './artifacts/artifact.store.js';
export * from './artifacts/local-artifact.store.js';
export * from './artifacts/artifacts.service.js';
export * from './embedded/sqlite-outbox.relay.js';
export * from './embedded/embedded-registry.js';
