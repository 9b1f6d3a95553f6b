import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { topics } from '@mlops/contracts';
import { EventPublisher } from '@mlops/messaging';
import { JsonLogger, MetricsRegistry } from '@mlops/observability';
import type { Counter, Gauge } from 'prom-client';
import { DataSchema, type StoredValue } from '../schema/data-schema.js';
import type { FeaturesStatus } from '../datasets/dataset.entity.js';
import { DatasetStore, type BacklogEntry, type DatasetRecord, type StreamTx } from '../datasets/dataset.store.js';
import { OnlineFeatureWriter, type IngestedRecord } from './online-feature-writer.js';

/** A dataset's online features after a request: its state, and what this request wrote. */
export interface FeaturesOutcome {
  readonly status: FeaturesStatus;
  readonly featureView: string;
  /** Rows written by this request, and how many the store took (applied) or kept newer rows for (stale). */
  readonly rows?: number;
  readonly applied?: number;
  readonly stale?: number;
  /** Why the write failed (status pending: the sweep retries). */
  readonly error?: string;
}

/** Rows read from PostgreSQL per write to the feature store. */
const PAGE_ROWS = 5000;
/** Backlog records retried per sweep. */
const BACKLOG_BATCH = 1000;
/** Pending datasets retried per sweep. */
const DATASET_BATCH = 5;

/**
 * Online feature materialization at ingestion (issue 7: the feature store is "written when data is
 * ingested, read when serving").
 *
 * - Uploads and REST batches: once the dataset is committed, its accepted rows are read back from
 *   PostgreSQL page by page and written to the feature store, with the commit time as the event
 *   time. Success: status `materialized` and `mlops.features.materialized.v1`. Failure (Redis down):
 *   the upload still succeeds (the rows are in PostgreSQL), the dataset stays `pending` with the
 *   error, and the sweep retries until it is written; nothing is lost.
 * - Streamed records: written as they are consumed, with the record event's `occurredAt` as the
 *   event time, so an older record (a replay, a late event) never replaces a newer row. Failure:
 *   the record and its event time go to the backlog table in the consumer's transaction (with the
 *   record itself); the sweep writes them later, still newer-wins.
 *
 * Metrics: `ingestion_features_materialized_rows_total{source,outcome}` (outcome applied | stale),
 * `ingestion_features_materialization_failures_total{source}` (failed attempts), and
 * `ingestion_features_backlog{kind}` (datasets | records waiting, after each sweep).
 */
@Injectable()
export class FeatureMaterializer {
  private readonly rowsTotal: Counter<'source' | 'outcome'>;
  private readonly failures: Counter<'source'>;
  private readonly backlog: Gauge<'kind'>;

  constructor(
    @Inject(DatasetStore) private readonly store: DatasetStore,
    @Inject(OnlineFeatureWriter) private readonly writer: OnlineFeatureWriter,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(DataSchema) private readonly schema: DataSchema,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(MetricsRegistry) metrics: MetricsRegistry,
  ) {
    this.rowsTotal = metrics.counter({
      name: 'ingestion_features_materialized_rows_total',
      help: 'Rows written to the online feature store, by source (upload, batch, record) and outcome (applied, stale: a newer row was kept)',
      labelNames: ['source', 'outcome'],
    });
    this.failures = metrics.counter({
      name: 'ingestion_features_materialization_failures_total',
      help: 'Failed attempts to write online features (the rows wait in PostgreSQL and are retried by the sweep)',
      labelNames: ['source'],
    });
    this.backlog = metrics.gauge({
      name: 'ingestion_features_backlog',
      help: 'Datasets and streamed records whose online features are not written yet',
      labelNames: ['kind'],
    });
  }

  get featureView(): string {
    return this.writer.view.name;
  }

  /**
   * Writes a committed upload or batch (or, asked explicitly with `force`, a dataset stored before
   * materialization existed). A stream window is written record by record, never here.
   * Never throws for a store outage: the outcome says `pending` with the error.
   */
  async materializeDataset(dataset: DatasetRecord, options: { readonly force?: boolean } = {}): Promise<FeaturesOutcome> {
    const featureView = this.writer.view.name;
    if (dataset.source === 'stream') return { status: 'per_record', featureView };
    if (dataset.features.status === 'not_applicable' && options.force !== true) return { status: 'not_applicable', featureView };
    const eventTime = dataset.committedAt ?? dataset.createdAt;
    let rows = 0;
    let applied = 0;
    let stale = 0;
    try {
      const names = this.schema.names;
      for await (const page of this.store.rowPages(dataset.id, names, PAGE_ROWS)) {
        const s = await this.write(page.map((values) => toRecord(names, values)), eventTime);
        rows += page.length;
        applied += s.applied;
        stale += s.stale;
      }
    } catch (error) {
      return this.failed(dataset, error instanceof StoreWriteError ? error.message : `reading the stored rows: ${message(error)}`, rows);
    }
    try {
      await this.publish(dataset, rows);
    } catch (error) {
      // Written, but not announced: stays pending so the sweep writes again (same event time, a no-op) and re-publishes.
      return this.failed(dataset, `written, but ${topics.featuresMaterialized.name} was not published: ${message(error)}`, rows);
    }
    const materializedAt = new Date();
    await this.store.markFeatures(dataset.id, { materializedAt });
    this.rowsTotal.inc({ source: dataset.source, outcome: 'applied' }, applied);
    this.rowsTotal.inc({ source: dataset.source, outcome: 'stale' }, stale);
    this.logger.info('online features materialized', { datasetId: dataset.id, datasetName: dataset.name, featureView, rows, applied, stale });
    return { status: 'materialized', featureView, rows, applied, stale };
  }

  private async failed(dataset: DatasetRecord, error: string, rowsWritten: number): Promise<FeaturesOutcome> {
    const featureView = this.writer.view.name;
    this.failures.inc({ source: dataset.source });
    await this.store.markFeatures(dataset.id, { error }).catch((e: unknown) =>
      this.logger.warn('could not record the failed materialization', { datasetId: dataset.id, error: message(e) }),
    );
    this.logger.warn('online features not written yet; the sweep retries', { datasetId: dataset.id, datasetName: dataset.name, featureView, rowsWritten, error });
    return { status: 'pending', featureView, error };
  }

  /** The writer's write; a failure becomes a {@link StoreWriteError} saying what was refused. */
  private async write(records: readonly IngestedRecord[], eventTime: Date): Promise<{ applied: number; stale: number }> {
    try {
      return await this.writer.write(records, eventTime);
    } catch (error) {
      throw new StoreWriteError(`the online feature store (Redis) did not take the write: ${message(error)}`);
    }
  }

  /**
   * Writes one streamed record (its event time = the record event's `occurredAt`). When the store
   * cannot be reached, the record joins the backlog in `tx` (committed with the record itself).
   */
  async materializeRecord(tx: StreamTx, item: { readonly customerId: string; readonly values: readonly StoredValue[]; readonly eventTime: Date; readonly datasetId: string; readonly eventId: string }): Promise<'written' | 'stale' | 'backlog'> {
    const record = toRecord(this.schema.names, item.values);
    try {
      const s = await this.write([record], item.eventTime);
      this.rowsTotal.inc({ source: 'record', outcome: s.applied > 0 ? 'applied' : 'stale' });
      return s.applied > 0 ? 'written' : 'stale';
    } catch (error) {
      const reason = message(error);
      this.failures.inc({ source: 'record' });
      await this.store.enqueueFeatures(tx, { customerId: item.customerId, record, eventTimeMs: item.eventTime.getTime(), datasetId: item.datasetId, error: reason });
      this.logger.warn('online features of a record not written; kept in the backlog', { eventId: item.eventId, customerId: item.customerId, datasetId: item.datasetId, error: reason });
      return 'backlog';
    }
  }

  /** The sweep: retries pending datasets and backlog records, then updates the backlog gauge. */
  async retry(): Promise<{ datasets: number; records: number }> {
    let datasets = 0;
    for (const d of await this.store.featuresPending(DATASET_BATCH)) {
      if ((await this.materializeDataset(d)).status === 'materialized') datasets++;
    }
    const records = await this.retryBacklog(await this.store.featureBacklog(BACKLOG_BATCH));
    const size = await this.store.featuresBacklogSize();
    this.backlog.set({ kind: 'datasets' }, size.datasets);
    this.backlog.set({ kind: 'records' }, size.records);
    return { datasets, records };
  }

  /** Backlog records, grouped by event time (one pipelined write per group); newer-wins applies. */
  private async retryBacklog(entries: readonly BacklogEntry[]): Promise<number> {
    const byTime = new Map<number, BacklogEntry[]>();
    for (const e of entries) {
      const group = byTime.get(e.eventTimeMs);
      if (group === undefined) byTime.set(e.eventTimeMs, [e]);
      else group.push(e);
    }
    const written: string[] = [];
    let failed: string[] = [];
    let error: string | null = null;
    for (const [ms, group] of byTime) {
      if (error !== null) {
        failed = failed.concat(group.map((e) => e.id));
        continue;
      }
      try {
        const s = await this.write(group.map((e) => e.record), new Date(ms));
        this.rowsTotal.inc({ source: 'record', outcome: 'applied' }, s.applied);
        this.rowsTotal.inc({ source: 'record', outcome: 'stale' }, s.stale);
        written.push(...group.map((e) => e.id));
      } catch (e) {
        error = message(e);
        this.failures.inc({ source: 'record' });
        failed = failed.concat(group.map((x) => x.id));
      }
    }
    await this.store.settleBacklog(written, failed, error);
    if (error !== null) this.logger.warn('backlog records not written yet; the sweep retries', { records: failed.length, error });
    return written.length;
  }

  private async publish(dataset: DatasetRecord, rows: number): Promise<void> {
    await this.events.publish(
      topics.featuresMaterialized,
      {
        datasetId: dataset.id,
        featureView: this.writer.view.name,
        entityCount: rows,
        featureNames: this.writer.view.features.map((f) => f.name),
        materializedAt: new Date().toISOString(),
      },
      { eventId: derivedEventId(dataset.id, topics.featuresMaterialized.name) },
    );
  }
}

function toRecord(names: readonly string[], values: readonly StoredValue[]): IngestedRecord {
  const r: Record<string, StoredValue> = {};
  for (let i = 0; i < names.length; i++) r[names[i]!] = values[i] ?? null;
  return r;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The feature store refused or could not take a write (Redis unreachable, an error reply). */
class StoreWriteError extends Error {
  override readonly name = 'StoreWriteError';
}

/** A deterministic event id (UUID version 8) from the dataset id and a purpose: a re-materialization republishes the same id. */
function derivedEventId(id: string, purpose: string): string {
  const h = createHash('sha256').update(`${id}\u0000${purpose}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
