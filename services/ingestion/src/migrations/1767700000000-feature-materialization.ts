import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Online feature materialization: each dataset's state in the feature store, and the backlog of
 * streamed records whose features could not be written yet. Datasets stored before this migration
 * are `not_applicable` (nothing is written for them unless asked: POST /datasets/:id/materialize).
 */
export class FeatureMaterialization1767700000000 implements MigrationInterface {
  name = 'FeatureMaterialization1767700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE datasets
        ADD COLUMN features_status text NOT NULL DEFAULT 'not_applicable'
          CHECK (features_status IN ('pending', 'materialized', 'per_record', 'not_applicable')),
        ADD COLUMN features_materialized_at timestamptz,
        ADD COLUMN features_attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN features_error text`);
    await q.query(`ALTER TABLE datasets ALTER COLUMN features_status SET DEFAULT 'pending'`);
    await q.query(`CREATE INDEX datasets_features_pending ON datasets (committed_at) WHERE status = 'committed' AND features_status = 'pending'`);
    await q.query(`
      CREATE TABLE feature_backlog (
        id bigserial PRIMARY KEY,
        customer_id text NOT NULL,
        record jsonb NOT NULL,
        event_time_ms bigint NOT NULL,
        dataset_id uuid NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE feature_backlog`);
    await q.query(`DROP INDEX datasets_features_pending`);
    await q.query(`ALTER TABLE datasets DROP COLUMN features_error, DROP COLUMN features_attempts, DROP COLUMN features_materialized_at, DROP COLUMN features_status`);
  }
}
