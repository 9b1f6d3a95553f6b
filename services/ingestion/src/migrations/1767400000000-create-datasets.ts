import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Datasets, their rows and their quarantine, in the service's schema (search_path = ingestion). */
export class CreateDatasets1767400000000 implements MigrationInterface {
  name = 'CreateDatasets1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE datasets (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        version integer,
        status text NOT NULL CHECK (status IN ('loading', 'open', 'committed')),
        source text NOT NULL CHECK (source IN ('upload', 'batch', 'stream')),
        source_detail jsonb NOT NULL,
        content_hash char(64),
        input_hash char(64),
        row_count integer NOT NULL DEFAULT 0,
        quarantined_count integer NOT NULL DEFAULT 0,
        columns jsonb NOT NULL,
        window_start timestamptz,
        window_end timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        committed_at timestamptz,
        published_at timestamptz,
        CONSTRAINT datasets_name_version UNIQUE (name, version)
      )`);
    await q.query(`CREATE INDEX datasets_name_input_hash ON datasets (name, input_hash) WHERE status = 'committed'`);
    await q.query(`CREATE UNIQUE INDEX datasets_one_open_stream ON datasets (name) WHERE status = 'open'`);
    await q.query(`CREATE INDEX datasets_unpublished ON datasets (committed_at) WHERE status = 'committed' AND published_at IS NULL`);
    await q.query(`
      CREATE TABLE dataset_rows (
        dataset_id uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
        row_number bigint NOT NULL,
        record jsonb NOT NULL,
        PRIMARY KEY (dataset_id, row_number)
      )`);
    await q.query(`CREATE SEQUENCE dataset_stream_row_seq`);
    await q.query(`
      CREATE TABLE dataset_quarantine (
        id bigserial PRIMARY KEY,
        dataset_id uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
        line integer NOT NULL,
        column_index integer,
        column_name text,
        reason text NOT NULL,
        raw text NOT NULL
      )`);
    await q.query(`CREATE INDEX dataset_quarantine_dataset ON dataset_quarantine (dataset_id, line)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE dataset_quarantine`);
    await q.query(`DROP SEQUENCE dataset_stream_row_seq`);
    await q.query(`DROP TABLE dataset_rows`);
    await q.query(`DROP TABLE datasets`);
  }
}
