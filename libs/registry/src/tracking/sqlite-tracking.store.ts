import type { DataSource } from 'typeorm';
import { SqliteAccess, parseJson, placeholders, type SqliteQuery } from '../database/sqlite/sqlite-access.js';
import { TrackingStore, type TrackingWriter } from './tracking.store.js';
import {
  ATTRIBUTE_COLUMN,
  isLater,
  toExperiment,
  toRun,
  toRunInfo,
  type ExperimentRow,
  type RunRow,
} from './typeorm-tracking.store.js';
import type {
  Comparator,
  Experiment,
  ExperimentQuery,
  KeyValue,
  LifecycleStage,
  Metric,
  Run,
  RunFilterClause,
  RunInfo,
  RunQuery,
  RunStatus,
} from './tracking.types.js';

/*
 * The SQL of TypeOrmTrackingStore in SQLite's dialect: `?n` placeholders, json_group_array instead
 * of json_agg, `IN (SELECT value FROM json_each(?n))` instead of `= ANY($n)`, one row per VALUES
 * tuple instead of unnest, and no row locks: SqliteAccess runs one statement or transaction at a
 * time. LIKE is case-sensitive (the embedded registry sets PRAGMA case_sensitive_like) with `\` as
 * escape, as in PostgreSQL; ILIKE is `lower(x) LIKE lower(p)`.
 */

const EXPERIMENT_COLUMNS = `e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, e.last_update_time,
  (SELECT json_group_array(json_object('key', t.key, 'value', t.value) ORDER BY t.key) FROM experiment_tags t WHERE t.experiment_id = e.experiment_id) AS tags`;

const RUN_COLUMNS = `r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, r.artifact_uri, r.lifecycle_stage`;

const RUN_WITH_DATA = `${RUN_COLUMNS},
  (SELECT json_group_array(json_object('key', p.key, 'value', p.value) ORDER BY p.key) FROM params p WHERE p.run_uuid = r.run_uuid) AS params,
  (SELECT json_group_array(json_object('key', t.key, 'value', t.value) ORDER BY t.key) FROM run_tags t WHERE t.run_uuid = r.run_uuid) AS tags,
  (SELECT json_group_array(json_object('key', m.key, 'value', m.value, 'timestamp', m.timestamp, 'step', m.step) ORDER BY m.key) FROM latest_metrics m WHERE m.run_uuid = r.run_uuid) AS metrics`;

/** Rows per multi-row INSERT (5 values each: well under SQLite's 32766 bound parameters). */
const ROWS_PER_INSERT = 500;

function experimentOf(row: ExperimentRow): Experiment {
  return toExperiment({ ...row, tags: parseJson<KeyValue[]>(row.tags, []) });
}

function runOf(row: RunRow): Run {
  return toRun({
    ...row,
    params: parseJson<KeyValue[]>(row.params, []),
    tags: parseJson<KeyValue[]>(row.tags, []),
    metrics: parseJson<NonNullable<RunRow['metrics']>>(row.metrics, []),
  });
}

function lifecycleCondition(viewType: ExperimentQuery['viewType'], column: string): string {
  if (viewType === 'ALL') return 'TRUE';
  return `${column} = '${viewType === 'DELETED_ONLY' ? 'deleted' : 'active'}'`;
}

/** SQL of a comparator against parameter `?n` (lists are JSON arrays read with json_each). */
function compare(column: string, comparator: Comparator, param: string): string {
  switch (comparator) {
    case 'IN':
      return `${column} IN (SELECT value FROM json_each(${param}))`;
    case 'NOT IN':
      return `${column} NOT IN (SELECT value FROM json_each(${param}))`;
    case 'LIKE':
      return `${column} LIKE ${param} ESCAPE '\\'`;
    case 'ILIKE':
      return `lower(${column}) LIKE lower(${param}) ESCAPE '\\'`;
    case '!=':
      return `${column} <> ${param}`;
    default:
      return `${column} ${comparator} ${param}`;
  }
}

function likeCondition(column: string, nameLike: { caseInsensitive: boolean }, param: string): string {
  return compare(column, nameLike.caseInsensitive ? 'ILIKE' : 'LIKE', param);
}

/** Inserts `rows` in chunks of multi-row VALUES; `sql(values)` completes the statement. */
async function insertRows(
  q: SqliteQuery,
  rows: readonly (readonly unknown[])[],
  sql: (values: string) => string,
): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const tuple = `(${placeholders(params.length + 1, row.length)})`;
      params.push(...row);
      return tuple;
    });
    await q.query(sql(tuples.join(', ')), params);
  }
}

class SqliteTrackingWriter implements TrackingWriter {
  constructor(private readonly q: SqliteQuery) {}

  async runLifecycle(runId: string): Promise<LifecycleStage | undefined> {
    const rows = await this.q.query<{ lifecycle_stage: LifecycleStage }>(
      `SELECT lifecycle_stage FROM runs WHERE run_uuid = ?1`,
      [runId],
    );
    return rows[0]?.lifecycle_stage;
  }

  async insertParamsIfAbsent(runId: string, params: readonly KeyValue[]): Promise<KeyValue[]> {
    const existing: KeyValue[] = [];
    for (const p of params) {
      const inserted = await this.q.query(
        `INSERT INTO params (run_uuid, key, value) VALUES (?1, ?2, ?3) ON CONFLICT (run_uuid, key) DO NOTHING RETURNING key`,
        [runId, p.key, p.value],
      );
      if (inserted.length > 0) continue;
      const stored = await this.q.query<KeyValue>(
        `SELECT key, value FROM params WHERE run_uuid = ?1 AND key = ?2`,
        [runId, p.key],
      );
      existing.push(...stored);
    }
    return existing;
  }

  async appendMetrics(runId: string, metrics: readonly Metric[]): Promise<void> {
    const latest = new Map<string, Metric>();
    for (const metric of metrics) {
      const seen = latest.get(metric.key);
      if (seen === undefined || isLater(metric, seen)) latest.set(metric.key, metric);
    }
    await insertRows(
      this.q,
      metrics.map((m) => [runId, m.key, m.value, m.timestamp, m.step]),
      (values) => `INSERT INTO metrics (run_uuid, key, value, timestamp, step) VALUES ${values}`,
    );
    // Latest per key by (step, timestamp, value): the row-value comparison of the PostgreSQL store.
    await insertRows(
      this.q,
      [...latest.values()].map((m) => [runId, m.key, m.value, m.timestamp, m.step]),
      (values) => `INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step) VALUES ${values}
        ON CONFLICT (run_uuid, key) DO UPDATE
          SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step
          WHERE (excluded.step, excluded.timestamp, excluded.value)
              > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
    );
  }

  async setTags(runId: string, tags: readonly KeyValue[]): Promise<void> {
    const last = new Map(tags.map((t) => [t.key, t.value]));
    await insertRows(
      this.q,
      [...last].map(([key, value]) => [runId, key, value]),
      (values) =>
        `INSERT INTO run_tags (run_uuid, key, value) VALUES ${values} ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value`,
    );
  }

  async setRunName(runId: string, name: string): Promise<void> {
    await this.q.query(`UPDATE runs SET name = ?2 WHERE run_uuid = ?1`, [runId, name]);
  }
}

/**
 * {@link TrackingStore} on the registry's SQLite tables (laptop mode; see
 * createRegistryTablesSqlite): the same rules as TypeOrmTrackingStore (write-once params through
 * INSERT ... ON CONFLICT DO NOTHING, append-only metrics, latest metric by step/timestamp/value),
 * each log call in one transaction.
 */
export class SqliteTrackingStore extends TrackingStore {
  private readonly db: SqliteAccess;

  constructor(dataSource: DataSource) {
    super();
    this.db = SqliteAccess.of(dataSource);
  }

  async createExperiment(input: {
    name: string;
    artifactLocation: string | undefined;
    defaultLocationPrefix: string;
    tags: readonly KeyValue[];
    now: number;
  }): Promise<Experiment> {
    const id = await this.db.transaction(async (q) => {
      const rows = await q.query<{ experiment_id: number }>(
        `INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
         SELECT v, ?1, COALESCE(?2, ?3 || v), ?4, ?4 FROM (SELECT COALESCE(MAX(experiment_id), 0) + 1 AS v FROM experiments)
         RETURNING experiment_id`,
        [input.name, input.artifactLocation ?? null, input.defaultLocationPrefix, input.now],
      );
      const experimentId = String(rows[0]?.experiment_id);
      const last = new Map(input.tags.map((t) => [t.key, t.value]));
      await insertRows(
        q,
        [...last].map(([key, value]) => [experimentId, key, value]),
        (values) =>
          `INSERT INTO experiment_tags (experiment_id, key, value) VALUES ${values} ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value`,
      );
      return experimentId;
    });
    return (await this.getExperiment(id)) as Experiment;
  }

  async getExperiment(experimentId: string): Promise<Experiment | undefined> {
    const rows = await this.db.read<ExperimentRow>(
      `SELECT ${EXPERIMENT_COLUMNS} FROM experiments e WHERE e.experiment_id = ?1`,
      [experimentId],
    );
    return rows[0] && experimentOf(rows[0]);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const rows = await this.db.read<ExperimentRow>(
      `SELECT ${EXPERIMENT_COLUMNS} FROM experiments e WHERE e.name = ?1`,
      [name],
    );
    return rows[0] && experimentOf(rows[0]);
  }

  async searchExperiments(query: ExperimentQuery): Promise<Experiment[]> {
    const params: unknown[] = [query.maxResults + 1, query.offset];
    let nameCondition = 'TRUE';
    if (query.nameLike !== undefined) {
      params.push(query.nameLike.pattern);
      nameCondition = likeCondition('e.name', query.nameLike, '?3');
    }
    const rows = await this.db.read<ExperimentRow>(
      `SELECT ${EXPERIMENT_COLUMNS} FROM experiments e
       WHERE ${lifecycleCondition(query.viewType, 'e.lifecycle_stage')} AND ${nameCondition}
       ORDER BY e.experiment_id LIMIT ?1 OFFSET ?2`,
      params,
    );
    return rows.map(experimentOf);
  }

  async setExperimentTag(experimentId: string, tag: KeyValue): Promise<void> {
    await this.db.write(
      `INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?1, ?2, ?3)
       ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value`,
      [experimentId, tag.key, tag.value],
    );
  }

  async setExperimentLifecycle(experimentId: string, stage: LifecycleStage, now: number): Promise<void> {
    await this.db.write(
      `UPDATE experiments SET lifecycle_stage = ?2, last_update_time = ?3 WHERE experiment_id = ?1`,
      [experimentId, stage, now],
    );
  }

  async createRun(info: RunInfo, tags: readonly KeyValue[]): Promise<void> {
    await this.db.transaction(async (q) => {
      await q.query(
        `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
        [
          info.runId,
          info.experimentId,
          info.runName,
          info.userId,
          info.status,
          info.startTime,
          info.endTime,
          info.artifactUri,
          info.lifecycleStage,
        ],
      );
      if (tags.length > 0) await new SqliteTrackingWriter(q).setTags(info.runId, tags);
    });
  }

  async getRun(runId: string): Promise<Run | undefined> {
    const rows = await this.db.read<RunRow>(`SELECT ${RUN_WITH_DATA} FROM runs r WHERE r.run_uuid = ?1`, [
      runId,
    ]);
    return rows[0] && runOf(rows[0]);
  }

  async updateRun(
    runId: string,
    patch: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo | undefined> {
    const rows = await this.db.write<RunRow>(
      `UPDATE runs SET status = COALESCE(?2, status), end_time = COALESCE(?3, end_time), name = COALESCE(?4, name)
       WHERE run_uuid = ?1 RETURNING ${RUN_COLUMNS.replace(/r\./g, '')}`,
      [runId, patch.status ?? null, patch.endTime ?? null, patch.runName ?? null],
    );
    return rows[0] && toRunInfo(rows[0]);
  }

  async setRunLifecycle(runId: string, stage: LifecycleStage): Promise<void> {
    await this.db.write(`UPDATE runs SET lifecycle_stage = ?2 WHERE run_uuid = ?1`, [runId, stage]);
  }

  transaction<T>(work: (writer: TrackingWriter) => Promise<T>): Promise<T> {
    return this.db.transaction((q) => work(new SqliteTrackingWriter(q)));
  }

  async metricHistory(runId: string, key: string): Promise<Metric[]> {
    const rows = await this.db.read<{ key: string; value: number | string; timestamp: number; step: number }>(
      `SELECT key, value, timestamp, step FROM metrics WHERE run_uuid = ?1 AND key = ?2 ORDER BY step, timestamp, id`,
      [runId, key],
    );
    return rows.map((r) => ({
      key: r.key,
      value: Number(r.value),
      timestamp: Number(r.timestamp),
      step: Number(r.step),
    }));
  }

  async searchRuns(query: RunQuery): Promise<Run[]> {
    const params: unknown[] = [JSON.stringify(query.experimentIds.map(Number))];
    const add = (value: unknown): string => {
      params.push(Array.isArray(value) ? JSON.stringify(value) : value);
      return `?${params.length}`;
    };
    const where = [
      `r.experiment_id IN (SELECT value FROM json_each(?1))`,
      lifecycleCondition(query.viewType, 'r.lifecycle_stage'),
    ];
    for (const clause of query.clauses) where.push(clauseSql(clause, add));
    const order: string[] = [];
    for (const o of query.orderBy) {
      const dir = o.ascending ? 'ASC' : 'DESC';
      if (o.kind === 'attribute')
        order.push(`${ATTRIBUTE_COLUMN[o.key] ?? 'r.start_time'} ${dir} NULLS LAST`);
      else {
        const table = o.kind === 'metric' ? 'latest_metrics' : o.kind === 'param' ? 'params' : 'run_tags';
        order.push(
          `(SELECT x.value FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.key = ${add(o.key)}) ${dir} NULLS LAST`,
        );
      }
    }
    order.push('r.start_time DESC', 'r.run_uuid');
    const limit = add(query.maxResults + 1);
    const offset = add(query.offset);
    const rows = await this.db.read<RunRow>(
      `WITH page AS (
         SELECT r.run_uuid, row_number() OVER (ORDER BY ${order.join(', ')}) AS ord
           FROM runs r WHERE ${where.join(' AND ')}
          ORDER BY ord LIMIT ${limit} OFFSET ${offset}
       )
       SELECT ${RUN_WITH_DATA} FROM page JOIN runs r ON r.run_uuid = page.run_uuid ORDER BY page.ord`,
      params,
    );
    return rows.map(runOf);
  }
}

function clauseSql(clause: RunFilterClause, add: (value: unknown) => string): string {
  const value = Array.isArray(clause.value) ? add([...clause.value]) : add(clause.value);
  if (clause.kind === 'attribute') {
    return compare(ATTRIBUTE_COLUMN[clause.key] as string, clause.comparator, value);
  }
  const table = clause.kind === 'metric' ? 'latest_metrics' : clause.kind === 'param' ? 'params' : 'run_tags';
  // A NaN metric (the text 'NaN' here) matches no numeric comparison, as in the PostgreSQL store.
  const notNaN = clause.kind === 'metric' ? ` AND x.value <> 'NaN'` : '';
  return `EXISTS (SELECT 1 FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.key = ${add(clause.key)} AND ${compare('x.value', clause.comparator, value)}${notNaN})`;
}
