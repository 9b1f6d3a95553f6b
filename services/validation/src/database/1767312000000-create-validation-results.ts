import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `validation_results`: one row per suite run on a dataset version. */
export class CreateValidationResults1767312000000 implements MigrationInterface {
  name = 'CreateValidationResults1767312000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE validation_results (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        dataset_id uuid NOT NULL,
        suite_name text NOT NULL,
        success boolean NOT NULL,
        statistics jsonb NOT NULL,
        results jsonb NOT NULL,
        profile jsonb,
        event_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX validation_results_dataset_created_idx ON validation_results (dataset_id, created_at)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE validation_results');
  }
}
