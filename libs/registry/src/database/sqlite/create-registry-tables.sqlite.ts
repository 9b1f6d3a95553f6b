import type { QueryRunner } from 'typeorm';

/** ISO-8601 UTC with milliseconds (`2026-01-02T03:04:05.678Z`): sorts as time, parses with `new Date()`. */
export const SQLITE_NOW = `(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

/**
 * The tables of CreateRegistryTables1767398400000 on SQLite, column for column. The differences
 * are only in types SQLite lacks: ids are `INTEGER PRIMARY KEY` (rowid) instead of identities,
 * JSON is text, times of day are ISO-8601 text (epoch-millisecond times stay integers), uuids are
 * text; varchar lengths are not enforced by SQLite (the services check them). Constraints, keys,
 * cascades, indexes and the `training_history` view are the same.
 */
export async function createRegistryTablesSqlite(q: QueryRunner): Promise<void> {
  await q.query(`CREATE TABLE experiments (
    experiment_id INTEGER PRIMARY KEY,
    name varchar(512) NOT NULL,
    artifact_location text NOT NULL,
    lifecycle_stage varchar(32) NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    creation_time bigint NOT NULL,
    last_update_time bigint NOT NULL,
    CONSTRAINT uq_experiments_name UNIQUE (name)
  )`);
  await q.query(
    `INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
     VALUES (0, 'Default', 'mlflow-artifacts:/0', ?1, ?1)`,
    [Date.now()],
  );
  await q.query(`CREATE TABLE experiment_tags (
    experiment_id bigint NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    key varchar(250) NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (experiment_id, key)
  )`);
  await q.query(`CREATE TABLE runs (
    run_uuid varchar(32) PRIMARY KEY,
    experiment_id bigint NOT NULL REFERENCES experiments (experiment_id),
    name varchar(250) NOT NULL DEFAULT '',
    user_id varchar(256) NOT NULL DEFAULT '',
    status varchar(16) NOT NULL CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
    start_time bigint NOT NULL,
    end_time bigint,
    artifact_uri text NOT NULL,
    lifecycle_stage varchar(32) NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted'))
  )`);
  await q.query(`CREATE INDEX ix_runs_experiment_start ON runs (experiment_id, start_time DESC, run_uuid)`);
  await q.query(`CREATE TABLE run_tags (
    run_uuid varchar(32) NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key varchar(250) NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (run_uuid, key)
  )`);
  await q.query(`CREATE TABLE params (
    run_uuid varchar(32) NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key varchar(250) NOT NULL,
    value varchar(6000) NOT NULL,
    PRIMARY KEY (run_uuid, key)
  )`);
  await q.query(`CREATE INDEX ix_params_key_value ON params (key, value)`);
  // Append-only. A NaN value is stored as the text 'NaN' (SQLite has no NaN); it sorts above numbers.
  await q.query(`CREATE TABLE metrics (
    id INTEGER PRIMARY KEY,
    run_uuid varchar(32) NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key varchar(250) NOT NULL,
    value double precision NOT NULL,
    timestamp bigint NOT NULL,
    step bigint NOT NULL DEFAULT 0
  )`);
  await q.query(`CREATE INDEX ix_metrics_run_key_step ON metrics (run_uuid, key, step, timestamp)`);
  await q.query(`CREATE TABLE latest_metrics (
    run_uuid varchar(32) NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key varchar(250) NOT NULL,
    value double precision NOT NULL,
    timestamp bigint NOT NULL,
    step bigint NOT NULL,
    PRIMARY KEY (run_uuid, key)
  )`);
  await q.query(`CREATE INDEX ix_latest_metrics_key_value ON latest_metrics (key, value)`);
  await q.query(`CREATE TABLE artifact_entries (
    path text PRIMARY KEY,
    run_uuid varchar(32),
    digest char(64) NOT NULL,
    size_bytes bigint NOT NULL,
    created_at text NOT NULL DEFAULT ${SQLITE_NOW}
  )`);
  await q.query(`CREATE INDEX ix_artifact_entries_run ON artifact_entries (run_uuid)`);

  await q.query(`CREATE TABLE registered_models (
    name varchar(256) PRIMARY KEY,
    description text,
    creation_time bigint NOT NULL,
    last_updated_time bigint NOT NULL,
    last_version integer NOT NULL DEFAULT 0
  )`);
  await q.query(`CREATE TABLE registered_model_tags (
    name varchar(256) NOT NULL REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    key varchar(250) NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (name, key)
  )`);
  await q.query(`CREATE TABLE model_versions (
    name varchar(256) NOT NULL REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    version integer NOT NULL CHECK (version > 0),
    source text NOT NULL DEFAULT '',
    run_uuid varchar(32),
    run_link text,
    description text,
    status varchar(32) NOT NULL DEFAULT 'READY',
    current_stage varchar(16) NOT NULL DEFAULT 'None' CHECK (current_stage IN ('None', 'Staging', 'Production', 'Archived')),
    creation_time bigint NOT NULL,
    last_updated_time bigint NOT NULL,
    onnx_digest char(64),
    checksum varchar(80),
    input_schema text,
    metrics text,
    threshold double precision,
    PRIMARY KEY (name, version)
  )`);
  await q.query(`CREATE INDEX ix_model_versions_run ON model_versions (run_uuid)`);
  await q.query(`CREATE TABLE model_version_tags (
    name varchar(256) NOT NULL,
    version integer NOT NULL,
    key varchar(250) NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (name, version, key),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE ON UPDATE CASCADE
  )`);
  await q.query(`CREATE TABLE model_aliases (
    name varchar(256) NOT NULL,
    alias varchar(64) NOT NULL,
    version integer NOT NULL,
    PRIMARY KEY (name, alias),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE ON UPDATE CASCADE
  )`);
  await q.query(`CREATE TABLE stage_transitions (
    id INTEGER PRIMARY KEY,
    name varchar(256) NOT NULL,
    version integer NOT NULL,
    from_stage varchar(16) NOT NULL,
    to_stage varchar(16) NOT NULL,
    kind varchar(32) NOT NULL CHECK (kind IN ('transition', 'archive-existing', 'rollback')),
    actor varchar(128) NOT NULL,
    reason text NOT NULL DEFAULT '',
    at text NOT NULL DEFAULT ${SQLITE_NOW}
  )`);
  await q.query(`CREATE INDEX ix_stage_transitions_name ON stage_transitions (name, id)`);
  await q.query(`CREATE TABLE outbox (
    id varchar(36) PRIMARY KEY,
    topic varchar(255) NOT NULL,
    payload text NOT NULL,
    correlation_id varchar(255),
    created_at text NOT NULL DEFAULT ${SQLITE_NOW},
    published_at text,
    attempts integer NOT NULL DEFAULT 0,
    last_error text
  )`);
  await q.query(`CREATE INDEX ix_outbox_pending ON outbox (created_at) WHERE published_at IS NULL`);
  const iso = (millis: string): string => `strftime('%Y-%m-%dT%H:%M:%fZ', ${millis} / 1000.0, 'unixepoch')`;
  await q.query(`CREATE VIEW training_history AS
    SELECT mv.name AS model,
           mv.version,
           mv.run_uuid AS run_id,
           r.name AS run_name,
           e.name AS experiment,
           r.status AS run_status,
           ${iso('r.start_time')} AS started_at,
           ${iso('r.end_time')} AS ended_at,
           (SELECT json_group_object(p.key, p.value) FROM params p WHERE p.run_uuid = mv.run_uuid) AS params,
           (SELECT json_group_object(m.key, m.value) FROM latest_metrics m WHERE m.run_uuid = mv.run_uuid) AS final_metrics,
           mv.current_stage AS stage,
           (SELECT json_group_array(a.alias ORDER BY a.alias) FROM model_aliases a WHERE a.name = mv.name AND a.version = mv.version) AS aliases,
           mv.threshold,
           mv.checksum,
           ${iso('mv.creation_time')} AS registered_at
      FROM model_versions mv
      LEFT JOIN runs r ON r.run_uuid = mv.run_uuid
      LEFT JOIN experiments e ON e.experiment_id = r.experiment_id`);
}
