import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isLater } from './metric-order.js';
import { existingParamsStatement, logBatchStatement, type LogBatchRow } from './postgres-log-batch.js';
import { TrackingStore, type BatchChecks, type BatchWrite, type TrackingWriter } from './tracking.store.js';
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

/** MLflow's latest-metric order (kept here too for the SQLite store's import). */
export { isLater };

/** Row shapes and mappers below are shared with SqliteTrackingStore. */
export interface ExperimentRow {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  creation_time: string;
  last_update_time: string;
  tags: KeyValue[] | null;
}

export interface RunRow {
  run_uuid: string;
  experiment_id: string;
  name: string;
  user_id: string;
  status: RunStatus;
  start_time: string;
  end_time: string | null;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
  params?: KeyValue[];
  tags?: KeyValue[];
  metrics?: { key: string; value: number | string; timestamp: number | string; step: number | string }[];
}

const EXPERIMENT_COLUMNS = `e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, e.last_update_time,
  (SELECT json_agg(json_build_object('key', t.key, 'value', t.value) ORDER BY t.key) FROM experiment_tags t WHERE t.experiment_id = e.experiment_id) AS tags`;

const RUN_COLUMNS = `r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, r.artifact_uri, r.lifecycle_stage`;

/** Run columns plus its params, tags and latest metrics as JSON arrays (one query per page of runs). */
const RUN_WITH_DATA = `${RUN_COLUMNS},
  COALESCE((SELECT json_agg(json_build_object('key', p.key, 'value', p.value) ORDER BY p.key) FROM params p WHERE p.run_uuid = r.run_uuid), '[]') AS params,
  COALESCE((SELECT json_agg(json_build_object('key', t.key, 'value', t.value) ORDER BY t.key) FROM run_tags t WHERE t.run_uuid = r.run_uuid), '[]') AS tags,
  COALESCE((SELECT json_agg(json_build_object('key', m.key, 'value', m.value, 'timestamp', m.timestamp, 'step', m.step) ORDER BY m.key) FROM latest_metrics m WHERE m.run_uuid = r.run_uuid), '[]') AS metrics`;

export const ATTRIBUTE_COLUMN: Record<string, string> = {
  run_id: 'r.run_uuid',
  run_name: 'r.name',
  status: 'r.status',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
  user_id: 'r.user_id',
  artifact_uri: 'r.artifact_uri',
};

export function toExperiment(row: ExperimentRow): Experiment {
  return {
    experimentId: String(row.experiment_id),
    name: row.name,
    artifactLocation: row.artifact_location,
    lifecycleStage: row.lifecycle_stage,
    creationTime: Number(row.creation_time),
    lastUpdateTime: Number(row.last_update_time),
    tags: row.tags ?? [],
  };
}

export function toRunInfo(row: RunRow): RunInfo {
  return {
    runId: row.run_uuid,
    experimentId: String(row.experiment_id),
    runName: row.name,
    userId: row.user_id,
    status: row.status,
    startTime: Number(row.start_time),
    endTime: row.end_time === null ? null : Number(row.end_time),
    artifactUri: row.artifact_uri,
    lifecycleStage: row.lifecycle_stage,
  };
}

export function toRun(row: RunRow): Run {
  return {
    info: toRunInfo(row),
    params: row.params ?? [],
    tags: row.tags ?? [],
    metrics: (row.metrics ?? []).map((m) => ({
      key: m.key,
      value: Number(m.value),
      timestamp: Number(m.timestamp),
      step: Number(m.step),
    })),
  };
}

function lifecycleCondition(viewType: ExperimentQuery['viewType'], column: string): string {
  if (viewType === 'ALL') return 'TRUE';
  return `${column} = '${viewType === 'DELETED_ONLY' ? 'deleted' : 'active'}'`;
}

/** SQL of a comparator against parameter `$n` (IN lists as `= ANY($n)`). */
function compare(column: string, comparator: Comparator, param: string): string {
  switch (comparator) {
    case 'IN':
      return `${column} = ANY(${param})`;
    case 'NOT IN':
      return `${column} <> ALL(${param})`;
    case 'LIKE':
      return `${column} LIKE ${param}`;
    case 'ILIKE':
      return `${column} ILIKE ${param}`;
    case '!=':
      return `${column} <> ${param}`;
    default:
      return `${column} ${comparator} ${param}`;
  }
}

class TypeOrmTrackingWriter implements TrackingWriter {
  constructor(private readonly m: EntityManager) {}

  async runLifecycle(runId: string): Promise<LifecycleStage | undefined> {
    const rows = (await this.m.query(`SELECT lifecycle_stage FROM runs WHERE run_uuid = $1`, [runId])) as {
      lifecycle_stage: LifecycleStage;
    }[];
    return rows[0]?.lifecycle_stage;
  }

  async insertParamsIfAbsent(runId: string, params: readonly KeyValue[]): Promise<KeyValue[]> {
    const keys = params.map((p) => p.key);
    const inserted = (await this.m.query(
      `INSERT INTO params (run_uuid, key, value)
       SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS x(k, v)
       ON CONFLICT (run_uuid, key) DO NOTHING RETURNING key`,
      [runId, keys, params.map((p) => p.value)],
    )) as { key: string }[];
    if (inserted.length === keys.length) return [];
    // A second statement (fresh snapshot): sees a param that a concurrent call committed meanwhile.
    return (await this.m.query(
      `SELECT key, value FROM params WHERE run_uuid = $1 AND key = ANY($2::text[]) AND key <> ALL($3::text[])`,
      [runId, keys, inserted.map((r) => r.key)],
    )) as KeyValue[];
  }

  async appendMetrics(runId: string, metrics: readonly Metric[]): Promise<void> {
    const n = metrics.length;
    const keys = new Array<string>(n);
    const values = new Array<number>(n);
    const timestamps = new Array<number>(n);
    const steps = new Array<number>(n);
    // Latest per key by (step, timestamp, value), MLflow's rule; NaN counts as the largest value as in PostgreSQL.
    const latest = new Map<string, Metric>();
    for (let i = 0; i < n; i++) {
      const metric = metrics[i] as Metric;
      keys[i] = metric.key;
      values[i] = metric.value;
      timestamps[i] = metric.timestamp;
      steps[i] = metric.step;
      const seen = latest.get(metric.key);
      if (seen === undefined || isLater(metric, seen)) latest.set(metric.key, metric);
    }
    await this.m.query(
      `INSERT INTO metrics (run_uuid, key, value, timestamp, step)
       SELECT $1, k, v, t, s FROM unnest($2::text[], $3::float8[], $4::bigint[], $5::bigint[]) AS x(k, v, t, s)`,
      [runId, keys, values, timestamps, steps],
    );
    // Sorted keys: concurrent batches on one run lock latest_metrics rows in the same order (no deadlock).
    const top = [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    await this.m.query(
      `INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step)
       SELECT $1, k, v, t, s FROM unnest($2::text[], $3::float8[], $4::bigint[], $5::bigint[]) AS x(k, v, t, s)
       ON CONFLICT (run_uuid, key) DO UPDATE
         SET value = EXCLUDED.value, timestamp = EXCLUDED.timestamp, step = EXCLUDED.step
         WHERE (EXCLUDED.step, EXCLUDED.timestamp, EXCLUDED.value)
             > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
      [runId, top.map((m) => m.key), top.map((m) => m.value), top.map((m) => m.timestamp), top.map((m) => m.step)],
    );
  }

  async setTags(runId: string, tags: readonly KeyValue[]): Promise<void> {
    const last = new Map(tags.map((t) => [t.key, t.value]));
    const keys = [...last.keys()].sort();
    await this.m.query(
      `INSERT INTO run_tags (run_uuid, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS x(k, v)
       ON CONFLICT (run_uuid, key) DO UPDATE SET value = EXCLUDED.value`,
      [runId, keys, keys.map((k) => last.get(k))],
    );
  }

  async setRunName(runId: string, name: string): Promise<void> {
    await this.m.query(`UPDATE runs SET name = $2 WHERE run_uuid = $1`, [runId, name]);
  }
}


/** {@link TrackingStore} on the registry's PostgreSQL schema. */
@Injectable()
export class TypeOrmTrackingStore extends TrackingStore {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async createExperiment(input: {
    name: string;
    artifactLocation: string | undefined;
    defaultLocationPrefix: string;
    tags: readonly KeyValue[];
    now: number;
  }): Promise<Experiment> {
    const id = await this.dataSource.transaction(async (m) => {
      const rows = (await m.query(
        `WITH id AS (SELECT nextval(pg_get_serial_sequence('experiments', 'experiment_id')) AS v)
         INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
         SELECT v, $1, COALESCE($2, $3 || v::text), $4, $4 FROM id RETURNING experiment_id`,
        [input.name, input.artifactLocation ?? null, input.defaultLocationPrefix, input.now],
      )) as { experiment_id: string }[];
      const experimentId = String(rows[0]?.experiment_id);
      if (input.tags.length > 0) {
        await m.query(
          `INSERT INTO experiment_tags (experiment_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS x(k, v)
           ON CONFLICT (experiment_id, key) DO UPDATE SET value = EXCLUDED.value`,
          [experimentId, input.tags.map((t) => t.key), input.tags.map((t) => t.value)],
        );
      }
      return experimentId;
    });
    return (await this.getExperiment(id)) as Experiment;
  }

  async getExperiment(experimentId: string): Promise<Experiment | undefined> {
    const rows = (await this.dataSource.query(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments e WHERE e.experiment_id = $1`, [
      experimentId,
    ])) as ExperimentRow[];
    return rows[0] && toExperiment(rows[0]);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const rows = (await this.dataSource.query(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments e WHERE e.name = $1`, [
      name,
    ])) as ExperimentRow[];
    return rows[0] && toExperiment(rows[0]);
  }

  async searchExperiments(query: ExperimentQuery): Promise<Experiment[]> {
    const params: unknown[] = [query.maxResults + 1, query.offset];
    let nameCondition = 'TRUE';
    if (query.nameLike !== undefined) {
      params.push(query.nameLike.pattern);
      nameCondition = `e.name ${query.nameLike.caseInsensitive ? 'ILIKE' : 'LIKE'} $3`;
    }
    const rows = (await this.dataSource.query(
      `SELECT ${EXPERIMENT_COLUMNS} FROM experiments e
       WHERE ${lifecycleCondition(query.viewType, 'e.lifecycle_stage')} AND ${nameCondition}
       ORDER BY e.experiment_id LIMIT $1 OFFSET $2`,
      params,
    )) as ExperimentRow[];
    return rows.map(toExperiment);
  }

  async setExperimentTag(experimentId: string, tag: KeyValue): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO experiment_tags (experiment_id, key, value) VALUES ($1, $2, $3)
       ON CONFLICT (experiment_id, key) DO UPDATE SET value = EXCLUDED.value`,
      [experimentId, tag.key, tag.value],
    );
  }

  async setExperimentLifecycle(experimentId: string, stage: LifecycleStage, now: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE experiments SET lifecycle_stage = $2, last_update_time = $3 WHERE experiment_id = $1`,
      [experimentId, stage, now],
    );
  }

  async createRun(info: RunInfo, tags: readonly KeyValue[]): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
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
      if (tags.length > 0) await new TypeOrmTrackingWriter(m).setTags(info.runId, tags);
    });
  }

  async getRun(runId: string): Promise<Run | undefined> {
    const rows = (await this.dataSource.query(`SELECT ${RUN_WITH_DATA} FROM runs r WHERE r.run_uuid = $1`, [
      runId,
    ])) as RunRow[];
    return rows[0] && toRun(rows[0]);
  }

  async updateRun(
    runId: string,
    patch: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo | undefined> {
    const rows = (await this.dataSource.query(
      `UPDATE runs r SET status = COALESCE($2, status), end_time = COALESCE($3, end_time), name = COALESCE($4, name)
       WHERE run_uuid = $1 RETURNING ${RUN_COLUMNS}`,
      [runId, patch.status ?? null, patch.endTime ?? null, patch.runName ?? null],
    )) as [RunRow[], number] | RunRow[];
    // UPDATE ... RETURNING comes back as [rows, count] from TypeORM's postgres driver.
    const list = Array.isArray(rows[0]) ? (rows[0] as RunRow[]) : (rows as RunRow[]);
    return list[0] && toRunInfo(list[0]);
  }

  async setRunLifecycle(runId: string, stage: LifecycleStage): Promise<void> {
    await this.dataSource.query(`UPDATE runs SET lifecycle_stage = $2 WHERE run_uuid = $1`, [runId, stage]);
  }

  transaction<T>(work: (writer: TrackingWriter) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((m) => work(new TypeOrmTrackingWriter(m)));
  }

  /**
   * On PostgreSQL, one statement ({@link logBatchStatement}): one round trip without params, and
   * BEGIN, the statement, COMMIT with params (plus one read when a key already existed). Other
   * drivers take the portable path of {@link TrackingStore.logBatch}.
   */
  override async logBatch(runId: string, batch: BatchWrite, checks: BatchChecks): Promise<void> {
    if (this.dataSource.options.type !== 'postgres') return super.logBatch(runId, batch, checks);
    const statement = logBatchStatement(runId, batch);
    if (batch.params.length === 0) {
      const rows = (await this.dataSource.query(statement.sql, statement.parameters)) as LogBatchRow[];
      checks.run(rows[0]?.lifecycle_stage ?? undefined);
      return;
    }
    await this.dataSource.transaction(async (m) => {
      const rows = (await m.query(statement.sql, statement.parameters)) as LogBatchRow[];
      checks.run(rows[0]?.lifecycle_stage ?? undefined);
      const inserted = rows[0]?.inserted_params ?? [];
      if (inserted.length === batch.params.length) return;
      const existing = existingParamsStatement(
        runId,
        batch.params.map((p) => p.key),
        inserted,
      );
      checks.params((await m.query(existing.sql, existing.parameters)) as KeyValue[]);
    });
  }

  async metricHistory(runId: string, key: string): Promise<Metric[]> {
    const rows = (await this.dataSource.query(
      `SELECT key, value, timestamp, step FROM metrics WHERE run_uuid = $1 AND key = $2 ORDER BY step, timestamp, id`,
      [runId, key],
    )) as { key: string; value: number; timestamp: string; step: string }[];
    return rows.map((r) => ({ key: r.key, value: Number(r.value), timestamp: Number(r.timestamp), step: Number(r.step) }));
  }

  /**
   * One statement: the page of run ids first (filters as EXISTS on the key-value tables, order
   * keys as columns, LIMIT/OFFSET), then the page's params, tags and latest metrics. With one
   * experiment and the default order (start_time DESC, run_uuid) the page is read in order from
   * `ix_runs_experiment_start` and stops after the page (no sort of the experiment's runs).
   */
  async searchRuns(query: RunQuery): Promise<Run[]> {
    const params: unknown[] = [];
    const add = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    // `= ANY(array)` would hide the index order from the planner (PostgreSQL < 17).
    const experiments =
      query.experimentIds.length === 1
        ? `r.experiment_id = ${add(query.experimentIds[0])}::bigint`
        : `r.experiment_id = ANY(${add(query.experimentIds)}::bigint[])`;
    const where = [experiments, lifecycleCondition(query.viewType, 'r.lifecycle_stage')];
    for (const clause of query.clauses) where.push(clauseSql(clause, add));
    const keys: { expr: string; dir: string }[] = [];
    for (const o of query.orderBy) {
      const dir = o.ascending ? 'ASC' : 'DESC';
      if (o.kind === 'attribute') keys.push({ expr: ATTRIBUTE_COLUMN[o.key] ?? 'r.start_time', dir: `${dir} NULLS LAST` });
      else {
        const table = o.kind === 'metric' ? 'latest_metrics' : o.kind === 'param' ? 'params' : 'run_tags';
        keys.push({ expr: `(SELECT x.value FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.key = ${add(o.key)})`, dir: `${dir} NULLS LAST` });
      }
    }
    keys.push({ expr: 'r.start_time', dir: 'DESC' }, { expr: 'r.run_uuid', dir: 'ASC' });
    const limit = add(query.maxResults + 1);
    const offset = add(query.offset);
    const rows = (await this.dataSource.query(
      `WITH page AS (
         SELECT ${keys.map((k, i) => `${k.expr} AS o${i}`).join(', ')}
           FROM runs r WHERE ${where.join(' AND ')}
          ORDER BY ${keys.map((k, i) => `o${i} ${k.dir}`).join(', ')} LIMIT ${limit} OFFSET ${offset}
       )
       SELECT ${RUN_WITH_DATA} FROM page JOIN runs r ON r.run_uuid = page.o${keys.length - 1}
        ORDER BY ${keys.map((k, i) => `page.o${i} ${k.dir}`).join(', ')}`,
      params,
    )) as RunRow[];
    return rows.map(toRun);
  }
}

function clauseSql(clause: RunFilterClause, add: (value: unknown) => string): string {
  const value = Array.isArray(clause.value) ? add([...clause.value]) : add(clause.value);
  if (clause.kind === 'attribute') {
    return compare(ATTRIBUTE_COLUMN[clause.key] as string, clause.comparator, value);
  }
  const table = clause.kind === 'metric' ? 'latest_metrics' : clause.kind === 'param' ? 'params' : 'run_tags';
  // A NaN metric matches no numeric comparison (PostgreSQL would order NaN above every number).
  const notNaN = clause.kind === 'metric' ? ` AND x.value <> 'NaN'::float8` : '';
  return `EXISTS (SELECT 1 FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.key = ${add(clause.key)} AND ${compare('x.value', clause.comparator, value)}${notNaN})`;
}
