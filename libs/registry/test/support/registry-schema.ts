/**
 * A PostgreSQL schema of its own for a test file, with the registry's migrations applied (the
 * DataSource's connections use it as search_path); `drop` removes it.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CreateRegistryTables1767398400000, MetricsRunCheckPerStatement1795726075000 } from '@mlops/registry';

export const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://mlops:mlops@127.0.0.1:5432/mlops';

export interface RegistrySchema {
  readonly dataSource: DataSource;
  drop(): Promise<void>;
}

export async function openRegistrySchema(prefix: string): Promise<RegistrySchema> {
  const schema = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new DataSource({ type: 'postgres', url: DATABASE_URL });
  await admin.initialize();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.destroy();
  const dataSource = new DataSource({
    type: 'postgres',
    url: DATABASE_URL,
    schema,
    migrations: [CreateRegistryTables1767398400000, MetricsRunCheckPerStatement1795726075000],
    migrationsTableName: 'typeorm_migrations',
    extra: { options: `-c search_path=${schema}` },
  });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    dataSource,
    async drop() {
      if (!dataSource.isInitialized) return;
      await dataSource.query(`DROP SCHEMA ${schema} CASCADE`);
      await dataSource.destroy();
    },
  };
}
