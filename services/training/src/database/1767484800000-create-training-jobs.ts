import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `training_jobs`: one row per training request (its status, timings, outcome, error). */
export class CreateTrainingJobs1767484800000 implements MigrationInterface {
  name = 'CreateTrainingJobs1767484800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE training_jobs (
        id uuid PRIMARY KEY,
        dataset_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'registered', 'rejected', 'completed', 'failed')),
        request jsonb NOT NULL,
        event_id uuid NOT NULL,
        correlation_id text,
        run_id text,
        best_model text,
        model_version integer,
        result jsonb,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query('CREATE INDEX training_jobs_status_idx ON training_jobs (status)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE training_jobs');
  }
}
