import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager, type QueryRunner } from 'typeorm';
import type { ColumnSpec } from '@mlops/contracts';
import type { StoredValue } from '../schema/data-schema.js';
import type { DatasetSourceKind, DatasetStatus, FeaturesStatus } from './dataset.entity.js';
import {
  DatasetStore,
  type BacklogEntry,
  type BacklogItem,
  type DatasetRecord,
  type IngestSummary,
  type IngestWrite,
  type QuarantineItem,
  type StreamTx,
} from './dataset.store.js';

const DATASET_COLUMNS = `id, name, version, status, source, source_detail, content_hash, input_hash, row_count,
  quarantined_count, columns, window_start, window_end, created_at, committed_at, published_at,
  features_status, features_materialized_at, features_attempts, features_error`;

interface DatasetRow {
  id: string;
  name: string;
  version: number | null;
  status: DatasetStatus;
  source: DatasetSourceKind;
  source_detail: Record<string, unknown>;
  content_hash: string | null;
  input_hash: string | null;
  row_count: number;
  quarantined_count: number;
  columns: ColumnSpec[];
  window_start: Date | null;
  window_end: Date | null;
  created_at: Date;
  committed_at: Date | null;
  published_at: Date | null;
  features_status: FeaturesStatus;
  features_materialized_at: Date | null;
  features_attempts: number;
  features_error: string | null;
}

function toRecord(r: DatasetRow): DatasetRecord {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    status: r.status,
    source: r.source,
    sourceDetail: r.source_detail,
    contentHash: r.content_hash,
    inputHash: r.input_hash,
    rowCount: r.row_count,
    quarantinedCount: r.quarantined_count,
    columns: r.columns,
    windowStart: r.window_start,
    windowEnd: r.window_end,
    createdAt: r.created_at,
    committedAt: r.committed_at,
    publishedAt: r.published_at,
    features: {
      status: r.features_status,
      materializedAt: r.features_materialized_at,
      attempts: r.features_attempts,
      error: r.features_error,
    },
  };
}

/** Serializes rows to one JSON array of objects (keys from `names`), without a per-row object. */
export function rowsToJsonArray(names: readonly string[], rows: readonly (readonly StoredValue[])[]): string {
  const keys = names.map((n, i) => `${i === 0 ? '{' : ','}${JSON.stringify(n)}:`);
  const parts: string[] = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let s = '';
    for (let c = 0; c < keys.length; c++) {
      const v = row[c];
      s += keys[c]!;
      s += v === null || v === undefined ? 'null' : typeof v === 'number' ? String(v) : JSON.stringify(v);
    }
    parts[r] = `${s}}`;
  }
  return `[${parts.join(',')}]`;
}

/** Takes the per-name lock under which versions are allocated (released at the end of the transaction). */
async function lockName(q: { query: (sql: string, params: unknown[]) => Promise<unknown> }, name: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtext('mlops.ingestion.dataset:' || $1))`, [name]);
}

const NEXT_VERSION = `SELECT coalesce(max(version), 0) + 1 AS v FROM datasets WHERE name = $1`;

class PgIngestWrite implements IngestWrite {
  private done = false;
  constructor(
    readonly datasetId: string,
    private readonly name: string,
    private readonly names: readonly string[],
    private readonly runner: QueryRunner,
  ) {}

  async insertRows(firstRowNumber: number, rows: readonly (readonly StoredValue[])[]): Promise<void> {
    if (rows.length === 0) return;
    await this.runner.query(
      `INSERT INTO dataset_rows (dataset_id, row_number, record)
       SELECT $1, $2::bigint + t.ord - 1, t.value FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS t(value, ord)`,
      [this.datasetId, firstRowNumber, rowsToJsonArray(this.names, rows)],
    );
  }

  async insertQuarantine(items: readonly QuarantineItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.runner.query(
      `INSERT INTO dataset_quarantine (dataset_id, line, column_index, column_name, reason, raw)
       SELECT $1, x.line, x.column_index, x.column_name, x.reason, x.raw
       FROM jsonb_to_recordset($2::jsonb) AS x(line integer, column_index integer, column_name text, reason text, raw text)`,
      [
        this.datasetId,
        JSON.stringify(
          items.map((i) => ({ line: i.line, column_index: i.columnIndex, column_name: i.columnName, reason: i.reason, raw: i.raw })),
        ),
      ],
    );
  }

  async commit(summary: IngestSummary): Promise<{ dataset: DatasetRecord; created: boolean }> {
    const q = this.runner;
    await lockName(q, this.name);
    const existing = (await q.query(
      `SELECT ${DATASET_COLUMNS} FROM datasets WHERE name = $1 AND input_hash = $2 AND status = 'committed' ORDER BY version LIMIT 1`,
      [this.name, summary.inputHash],
    )) as DatasetRow[];
    if (existing.length > 0) {
      await this.abort();
      return { dataset: toRecord(existing[0]!), created: false };
    }
    const [{ v }] = (await q.query(NEXT_VERSION, [this.name])) as [{ v: number }];
    const [row] = (await q.query(
      `UPDATE datasets SET version = $2, status = 'committed', content_hash = $3, input_hash = $4, row_count = $5,
         quarantined_count = $6, columns = $7::jsonb, source_detail = $8::jsonb, committed_at = now()
       WHERE id = $1 RETURNING ${DATASET_COLUMNS}`,
      [
        this.datasetId,
        v,
        summary.contentHash,
        summary.inputHash,
        summary.rowCount,
        summary.quarantinedCount,
        JSON.stringify(summary.columns),
        JSON.stringify(summary.sourceDetail),
      ],
    )) as [DatasetRow[], number];
    await q.commitTransaction();
    this.done = true;
    await q.release();
    return { dataset: toRecord(row[0]!), created: true };
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      if (this.runner.isTransactionActive) await this.runner.rollbackTransaction();
    } finally {
      await this.runner.release();
    }
  }
}

/** {@link DatasetStore} on PostgreSQL (schema `ingestion`), through the service's DataSource. */
@Injectable()
export class TypeOrmDatasetStore extends DatasetStore {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    super();
  }

  async beginIngest(name: string, source: DatasetSourceKind, columnNames: readonly string[]): Promise<IngestWrite> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const id = randomUUID();
      await runner.query(
        `INSERT INTO datasets (id, name, status, source, source_detail, columns) VALUES ($1, $2, 'loading', $3, '{}', '[]')`,
        [id, name, source],
      );
      return new PgIngestWrite(id, name, columnNames, runner);
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
      throw error;
    }
  }

  async list(options: { name?: string; limit: number; offset: number }): Promise<DatasetRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${DATASET_COLUMNS} FROM datasets WHERE status <> 'loading' AND ($1::text IS NULL OR name = $1)
       ORDER BY created_at DESC, name, version DESC LIMIT $2 OFFSET $3`,
      [options.name ?? null, options.limit, options.offset],
    )) as DatasetRow[];
    return rows.map(toRecord);
  }

  async get(id: string): Promise<DatasetRecord | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${DATASET_COLUMNS.replace('row_count,', `CASE WHEN status = 'open' THEN (SELECT count(*)::int FROM dataset_rows r WHERE r.dataset_id = d.id) ELSE row_count END AS row_count,`)}
       FROM datasets d WHERE id = $1 AND status <> 'loading'`,
      [id],
    )) as DatasetRow[];
    return rows.length > 0 ? toRecord(rows[0]!) : null;
  }

  async quarantine(id: string, limit: number, offset: number): Promise<QuarantineItem[]> {
    const rows = (await this.dataSource.query(
      `SELECT line, column_index, column_name, reason, raw FROM dataset_quarantine WHERE dataset_id = $1
       ORDER BY line, id LIMIT $2 OFFSET $3`,
      [id, limit, offset],
    )) as { line: number; column_index: number | null; column_name: string | null; reason: string; raw: string }[];
    return rows.map((r) => ({ line: r.line, columnIndex: r.column_index, columnName: r.column_name, reason: r.reason, raw: r.raw }));
  }

  async *rowPages(id: string, names: readonly string[], pageSize: number): AsyncIterable<StoredValue[][]> {
    let after = '0';
    for (;;) {
      const page = (await this.dataSource.query(
        `SELECT row_number::text AS n, record FROM dataset_rows WHERE dataset_id = $1 AND row_number > $2::bigint
         ORDER BY row_number LIMIT $3`,
        [id, after, pageSize],
      )) as { n: string; record: Record<string, StoredValue> }[];
      if (page.length === 0) return;
      after = page[page.length - 1]!.n;
      yield page.map((p) => names.map((n) => p.record[n] ?? null));
      if (page.length < pageSize) return;
    }
  }

  async appendStreamRecord(
    tx: StreamTx,
    name: string,
    values: readonly StoredValue[],
    columnNames: readonly string[],
    window: { start: Date; end: Date; detail: Record<string, unknown> },
  ): Promise<{ datasetId: string; opened: boolean }> {
    const em = tx instanceof EntityManager ? tx : this.dataSource.manager;
    // FOR SHARE: appends run side by side; a closing window (FOR UPDATE) waits for them, and an
    // append that waited for a close sees the window no longer open and opens the next one.
    const findOpen = `SELECT id FROM datasets WHERE name = $1 AND status = 'open' FOR SHARE`;
    let open = (await em.query(findOpen, [name])) as { id: string }[];
    let opened = false;
    if (open.length === 0) {
      await lockName(em, name);
      open = (await em.query(findOpen, [name])) as { id: string }[];
      if (open.length === 0) {
        const [{ v }] = (await em.query(NEXT_VERSION, [name])) as [{ v: number }];
        const id = randomUUID();
        await em.query(
          `INSERT INTO datasets (id, name, version, status, source, source_detail, columns, window_start, window_end, features_status)
           VALUES ($1, $2, $3, 'open', 'stream', $4::jsonb, '[]', $5, $6, 'per_record')`,
          [id, name, v, JSON.stringify(window.detail), window.start, window.end],
        );
        open = [{ id }];
        opened = true;
      }
    }
    const datasetId = open[0]!.id;
    await em.query(
      `INSERT INTO dataset_rows (dataset_id, row_number, record) VALUES ($1, nextval('dataset_stream_row_seq'), $2::jsonb)`,
      [datasetId, rowsToJsonArray(columnNames, [values]).slice(1, -1)],
    );
    return { datasetId, opened };
  }

  async dueStreamWindows(now: Date): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM datasets WHERE status = 'open' AND window_end <= $1 ORDER BY window_end`,
      [now],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async closeStreamWindow(
    id: string,
    names: readonly string[],
    onRows: (rows: StoredValue[][]) => void,
    finish: (rowCount: number) => { contentHash: string; columns: readonly ColumnSpec[]; sourceDetail: Record<string, unknown> },
  ): Promise<DatasetRecord | null> {
    return this.dataSource.transaction(async (em) => {
      const locked = (await em.query(
        `SELECT id FROM datasets WHERE id = $1 AND status = 'open' FOR UPDATE`,
        [id],
      )) as { id: string }[];
      if (locked.length === 0) return null;
      let after = '0';
      let count = 0;
      for (;;) {
        const page = (await em.query(
          `SELECT row_number::text AS n, record FROM dataset_rows WHERE dataset_id = $1 AND row_number > $2::bigint
           ORDER BY row_number LIMIT 5000`,
          [id, after],
        )) as { n: string; record: Record<string, StoredValue> }[];
        if (page.length === 0) break;
        onRows(page.map((p) => names.map((n) => p.record[n] ?? null)));
        count += page.length;
        after = page[page.length - 1]!.n;
      }
      const done = finish(count);
      const [row] = (await em.query(
        `UPDATE datasets SET status = 'committed', row_count = $2, content_hash = $3, columns = $4::jsonb,
           source_detail = $5::jsonb, committed_at = now() WHERE id = $1 RETURNING ${DATASET_COLUMNS}`,
        [id, count, done.contentHash, JSON.stringify(done.columns), JSON.stringify(done.sourceDetail)],
      )) as [DatasetRow[], number];
      return toRecord(row[0]!);
    });
  }

  async unpublished(limit: number): Promise<DatasetRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${DATASET_COLUMNS} FROM datasets WHERE status = 'committed' AND published_at IS NULL
       ORDER BY committed_at LIMIT $1`,
      [limit],
    )) as DatasetRow[];
    return rows.map(toRecord);
  }

  async markPublished(id: string, at: Date): Promise<void> {
    await this.dataSource.query(`UPDATE datasets SET published_at = $2 WHERE id = $1 AND published_at IS NULL`, [id, at]);
  }

  async featuresPending(limit: number): Promise<DatasetRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${DATASET_COLUMNS} FROM datasets WHERE status = 'committed' AND features_status = 'pending'
       ORDER BY committed_at LIMIT $1`,
      [limit],
    )) as DatasetRow[];
    return rows.map(toRecord);
  }

  async markFeatures(id: string, outcome: { readonly materializedAt: Date } | { readonly error: string }): Promise<void> {
    if ('materializedAt' in outcome) {
      await this.dataSource.query(
        `UPDATE datasets SET features_status = 'materialized', features_materialized_at = $2, features_error = NULL WHERE id = $1`,
        [id, outcome.materializedAt],
      );
    } else {
      await this.dataSource.query(
        `UPDATE datasets SET features_status = 'pending', features_attempts = features_attempts + 1, features_error = $2 WHERE id = $1`,
        [id, outcome.error.slice(0, 2000)],
      );
    }
  }

  async enqueueFeatures(tx: StreamTx, item: BacklogItem): Promise<void> {
    const em = tx instanceof EntityManager ? tx : this.dataSource.manager;
    await em.query(
      `INSERT INTO feature_backlog (customer_id, record, event_time_ms, dataset_id, last_error) VALUES ($1, $2::jsonb, $3, $4, $5)`,
      [item.customerId, JSON.stringify(item.record), item.eventTimeMs, item.datasetId, item.error.slice(0, 2000)],
    );
  }

  async featureBacklog(limit: number): Promise<BacklogEntry[]> {
    const rows = (await this.dataSource.query(
      `SELECT id::text AS id, customer_id, record, event_time_ms::text AS event_time_ms, dataset_id, attempts, last_error
       FROM feature_backlog ORDER BY id LIMIT $1`,
      [limit],
    )) as { id: string; customer_id: string; record: Record<string, StoredValue>; event_time_ms: string; dataset_id: string; attempts: number; last_error: string }[];
    return rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      record: r.record,
      eventTimeMs: Number(r.event_time_ms),
      datasetId: r.dataset_id,
      attempts: r.attempts,
      error: r.last_error,
    }));
  }

  async settleBacklog(written: readonly string[], failed: readonly string[], error: string | null): Promise<void> {
    if (written.length > 0) await this.dataSource.query(`DELETE FROM feature_backlog WHERE id = ANY($1::bigint[])`, [written]);
    if (failed.length > 0) {
      await this.dataSource.query(
        `UPDATE feature_backlog SET attempts = attempts + 1, last_error = coalesce($2, last_error) WHERE id = ANY($1::bigint[])`,
        [failed, error === null ? null : error.slice(0, 2000)],
      );
    }
  }

  async featuresBacklogSize(): Promise<{ datasets: number; records: number }> {
    const [row] = (await this.dataSource.query(
      `SELECT (SELECT count(*)::int FROM datasets WHERE status = 'committed' AND features_status = 'pending') AS datasets,
              (SELECT count(*)::int FROM feature_backlog) AS records`,
    )) as [{ datasets: number; records: number }];
    return row;
  }
}
