import { DataSource, type MigrationInterface, type MixedList, type EntitySchema } from 'typeorm';
import { databaseConnectionUrl, type PlatformConfig } from '@mlops/config';
import { CreateMessagingProcessedEvents1767225600000 } from '@mlops/messaging';

/** What a service keeps in its PostgreSQL schema. */
export interface ServiceDatabaseOptions {
  /** TypeORM entities of the service (its own tables). */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities?: MixedList<Function | string | EntitySchema>;
  /** Its migrations (timestamped classes with up and down), run at boot after messaging's. */
  readonly migrations?: readonly (new () => MigrationInterface)[];
}

const SCHEMA_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Opens the service's TypeORM DataSource on its own schema: every pooled connection starts with
 * `search_path=<schema>` and the configured `statement_timeout`, the schema is created when missing,
 * then the migrations run (messaging's processed-events table first, so the idempotency store works,
 * then the service's own). Migrations are recorded in `<schema>.typeorm_migrations`.
 *
 * @throws when PostgreSQL cannot be reached or a migration fails (the DataSource is destroyed).
 */
export async function openServiceDatabase(
  config: PlatformConfig,
  schema: string,
  options: ServiceDatabaseOptions = {},
): Promise<DataSource> {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`schema "${schema}" must be a lower-case identifier ([a-z][a-z0-9_]*), the service name`);
  }
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseConnectionUrl(config),
    schema,
    ssl: config.database.ssl,
    poolSize: config.database.pool_max,
    entities: options.entities ?? [],
    migrations: [CreateMessagingProcessedEvents1767225600000, ...(options.migrations ?? [])],
    migrationsTableName: 'typeorm_migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: {
      options: `-c search_path=${schema} -c statement_timeout=${config.database.statement_timeout_ms}`,
      connectionTimeoutMillis: 3000,
      application_name: `mlops-${schema}`,
    },
  });
  await dataSource.initialize();
  try {
    await createSchema(dataSource, schema);
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}

async function createSchema(dataSource: DataSource, schema: string): Promise<void> {
  try {
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    // Two instances creating the schema at once: the loser sees a unique violation; the schema exists.
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}
