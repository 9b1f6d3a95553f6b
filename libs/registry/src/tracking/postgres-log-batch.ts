import type { BatchWrite } from './tracking.store.js';
import { latestPerKey } from './metric-order.js';
import type { KeyValue, LifecycleStage, Metric } from './tracking.types.js';

/** A parametrized statement: SQL text with `$n` placeholders and their values. */
export interface Statement {
  readonly sql: string;
  readonly parameters: unknown[];
}

/** The one row that {@link logBatchStatement} returns. */
export interface LogBatchRow {
  /** The run's lifecycle stage, null when there is no such run (then nothing was written). */
  readonly lifecycle_stage: LifecycleStage | null;
  /** Keys of the params this call inserted (absent when the batch has no params). */
  readonly inserted_params?: string[] | null;
}

/**
 * One log-batch call as one PostgreSQL statement (one round trip), with MLflow's rules:
 *
 * - the run row is read and locked `FOR KEY SHARE` (what a foreign-key check takes: the run cannot
 *   be deleted before the call commits); every write below happens only when it is `active`;
 * - params: `INSERT ... ON CONFLICT DO NOTHING RETURNING key` (write-once; the caller compares the
 *   keys that were not inserted with their stored values, in the same transaction);
 * - metrics: appended to `metrics` from four arrays (key text[], value float8[] with NaN and
 *   ±Infinity as PostgreSQL spells them, timestamp and step bigint[]); the latest metric of each
 *   key in the batch ({@link latestPerKey}: largest (step, timestamp, value), NaN above every
 *   number as PostgreSQL orders it) is upserted into `latest_metrics` where its (step, timestamp,
 *   value) is larger than the stored one, in key order (concurrent batches on one run lock the
 *   rows in the same order: no deadlock);
 * - tags: the last value of each key, upserted in key order; the run's name follows
 *   `mlflow.runName` (`runName`).
 *
 * Parts with nothing to write are left out of the SQL. The statement is atomic on its own; a call
 * with params runs it in a transaction so that a changed param value can roll it back.
 */
export function logBatchStatement(runId: string, batch: BatchWrite): Statement {
  const parameters: unknown[] = [runId];
  const add = (value: unknown): string => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  const parts = [
    `run AS MATERIALIZED (
       SELECT lifecycle_stage, lifecycle_stage = 'active' AS writable FROM runs WHERE run_uuid = $1 FOR KEY SHARE
     )`,
  ];
  const writable = `(SELECT writable FROM run)`;
  const outputs = [`(SELECT lifecycle_stage FROM run) AS lifecycle_stage`];

  if (batch.params.length > 0) {
    const keys = add(batch.params.map((p) => p.key));
    const values = add(batch.params.map((p) => p.value));
    parts.push(`new_params AS (
       INSERT INTO params (run_uuid, key, value)
       SELECT $1, k, v FROM unnest(${keys}::text[], ${values}::text[]) AS x(k, v) WHERE ${writable}
       ON CONFLICT (run_uuid, key) DO NOTHING RETURNING key
     )`);
    outputs.push(`(SELECT array_agg(key) FROM new_params) AS inserted_params`);
  }

  const metrics = batch.metrics;
  if (metrics.length > 0) {
    const [keys, values, timestamps, steps] = columns(metrics);
    const top = columns(latestPerKey(metrics));
    parts.push(
      `history AS (
         INSERT INTO metrics (run_uuid, key, value, timestamp, step)
         SELECT $1, k, v, t, s FROM unnest(${add(keys)}::text[], ${add(values)}::float8[], ${add(timestamps)}::bigint[], ${add(steps)}::bigint[]) AS x(k, v, t, s)
          WHERE ${writable}
       )`,
      `latest AS (
         INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step)
         SELECT $1, k, v, t, s FROM unnest(${add(top[0])}::text[], ${add(top[1])}::float8[], ${add(top[2])}::bigint[], ${add(top[3])}::bigint[]) AS x(k, v, t, s)
          WHERE ${writable}
         ON CONFLICT (run_uuid, key) DO UPDATE
           SET value = EXCLUDED.value, timestamp = EXCLUDED.timestamp, step = EXCLUDED.step
           WHERE (EXCLUDED.step, EXCLUDED.timestamp, EXCLUDED.value)
               > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)
       )`,
    );
  }

  if (batch.tags.length > 0) {
    const last = lastValueByKey(batch.tags);
    parts.push(`tags AS (
       INSERT INTO run_tags (run_uuid, key, value)
       SELECT $1, k, v FROM unnest(${add(last.map((t) => t.key))}::text[], ${add(last.map((t) => t.value))}::text[]) AS x(k, v)
        WHERE ${writable}
       ON CONFLICT (run_uuid, key) DO UPDATE SET value = EXCLUDED.value
     )`);
  }
  if (batch.runName !== undefined) {
    parts.push(`renamed AS (UPDATE runs SET name = ${add(batch.runName)} WHERE run_uuid = $1 AND ${writable})`);
  }
  return { sql: `WITH ${parts.join(',\n')}\nSELECT ${outputs.join(', ')}`, parameters };
}

/**
 * The stored params of `keys` that this call did not insert, read by a statement of their own
 * (a fresh snapshot: it sees a param that a concurrent call committed meanwhile).
 */
export function existingParamsStatement(runId: string, keys: readonly string[], inserted: readonly string[]): Statement {
  return {
    sql: `SELECT key, value FROM params WHERE run_uuid = $1 AND key = ANY($2::text[]) AND key <> ALL($3::text[])`,
    parameters: [runId, [...keys], [...inserted]],
  };
}

/** Column arrays of metrics (what `unnest` takes). */
function columns(metrics: readonly Metric[]): [string[], number[], number[], number[]] {
  const n = metrics.length;
  const keys = new Array<string>(n);
  const values = new Array<number>(n);
  const timestamps = new Array<number>(n);
  const steps = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const m = metrics[i] as Metric;
    keys[i] = m.key;
    values[i] = m.value;
    timestamps[i] = m.timestamp;
    steps[i] = m.step;
  }
  return [keys, values, timestamps, steps];
}

/** One tag per key, its last value, sorted by key (MLflow keeps the last of repeated tags). */
function lastValueByKey(tags: readonly KeyValue[]): KeyValue[] {
  const last = new Map<string, string>();
  for (const t of tags) last.set(t.key, t.value);
  return [...last.keys()].sort().map((key) => ({ key, value: last.get(key) as string }));
}
