import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The drift service's tables: the reference history, checks with their per-column results, and the
 * window of served-prediction inputs.
 */
export class CreateDriftTables1767312000000 implements MigrationInterface {
  name = 'CreateDriftTables1767312000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE drift_references (
        id bigserial PRIMARY KEY,
        dataset_id uuid NOT NULL,
        source text NOT NULL CHECK (source IN ('explicit', 'first-validated')),
        set_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE drift_checks (
        id uuid PRIMARY KEY,
        dataset_id uuid,
        model_name text,
        window_start timestamptz,
        window_end timestamptz,
        reference_id uuid NOT NULL,
        drifted_share double precision NOT NULL,
        drift_share_threshold double precision NOT NULL,
        dataset_drift boolean NOT NULL,
        event_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((dataset_id IS NULL) <> (window_start IS NULL))
      )`);
    await q.query('CREATE INDEX drift_checks_dataset_idx ON drift_checks (dataset_id, created_at)');
    await q.query(`
      CREATE TABLE drift_column_results (
        check_id uuid NOT NULL REFERENCES drift_checks (id) ON DELETE CASCADE,
        column_name text NOT NULL,
        column_type text NOT NULL,
        test text NOT NULL,
        statistic double precision NOT NULL,
        p_value double precision,
        threshold double precision NOT NULL,
        drifted boolean NOT NULL,
        reference_count integer NOT NULL,
        current_count integer NOT NULL,
        n_unique integer NOT NULL,
        PRIMARY KEY (check_id, column_name)
      )`);
    await q.query(`
      CREATE TABLE served_inputs (
        request_id uuid PRIMARY KEY,
        model_name text NOT NULL,
        model_version integer NOT NULL,
        served_at timestamptz NOT NULL,
        features jsonb NOT NULL
      )`);
    await q.query('CREATE INDEX served_inputs_served_at_idx ON served_inputs (served_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE served_inputs');
    await q.query('DROP TABLE drift_column_results');
    await q.query('DROP TABLE drift_checks');
    await q.query('DROP TABLE drift_references');
  }
}
