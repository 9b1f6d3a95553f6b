import { CreateRegistryTables1767398400000 } from './1767398400000-create-registry-tables.js';
import { MetricsRunCheckPerStatement1795726075000 } from './1795726075000-metrics-run-check-per-statement.js';

/**
 * The registry's migrations, in order, for every driver: each one either has a SQLite branch
 * (the tables) or does nothing off PostgreSQL (the metrics triggers), so the embedded registry of
 * laptop mode and the registry service run the same list.
 */
export const registryMigrations = [CreateRegistryTables1767398400000, MetricsRunCheckPerStatement1795726075000];
