import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEvent, topics, type PayloadOf, type TopicContract } from '@mlops/contracts';
import { EventPublisher, NonRetriableError, type PublishItem, type PublishReceipt } from '@mlops/messaging';
import { parseCsv } from '@mlops/ml';
import type { FeatureView, WriteSummary } from '@mlops/feature-store';
import { JsonLogger, MetricsRegistry } from '@mlops/observability';
import { FeatureMaterializer } from '../features/feature-materializer.js';
import { OnlineFeatureWriter, type IngestedRecord } from '../features/online-feature-writer.js';
import { DataSchema, type StoredValue } from '../schema/data-schema.js';
import { defaultIngestionSettings } from '../settings/ingestion-settings.js';
import { DatasetStore, type BacklogEntry, type BacklogItem, type DatasetRecord, type IngestSummary, type IngestWrite, type QuarantineItem } from './dataset.store.js';
import { DatasetsService } from './datasets.service.js';
import { IngestionError } from './ingestion.error.js';

/** In-memory store: committed datasets, their rows and quarantine; uncommitted writes vanish. */
class FakeStore extends DatasetStore {
  datasets: DatasetRecord[] = [];
  rows = new Map<string, StoredValue[][]>();
  quarantined = new Map<string, QuarantineItem[]>();
  async beginIngest(name: string, source: DatasetRecord['source']): Promise<IngestWrite> {
    const id = `00000000-0000-4000-8000-${String(this.datasets.length + 1000).padStart(12, '0')}`;
    const rows: StoredValue[][] = [];
    const q: QuarantineItem[] = [];
    return {
      datasetId: id,
      insertRows: async (_first, batch) => void rows.push(...batch.map((r) => [...r])),
      insertQuarantine: async (items) => void q.push(...items),
      commit: async (s: IngestSummary) => {
        const same = this.datasets.find((d) => d.name === name && d.inputHash === s.inputHash);
        if (same) return { dataset: same, created: false };
        const version = this.datasets.filter((d) => d.name === name).length + 1;
        const d: DatasetRecord = { id, name, version, status: 'committed', source, sourceDetail: s.sourceDetail, contentHash: s.contentHash, inputHash: s.inputHash, rowCount: s.rowCount, quarantinedCount: s.quarantinedCount, columns: s.columns, windowStart: null, windowEnd: null, createdAt: new Date(0), committedAt: new Date(1_700_000_000_000 + this.datasets.length), publishedAt: null, features: { status: 'pending', materializedAt: null, attempts: 0, error: null } };
        this.datasets.push(d);
        this.rows.set(id, rows);
        this.quarantined.set(id, q);
        return { dataset: d, created: true };
      },
      abort: async () => undefined,
    };
  }
  async list(): Promise<DatasetRecord[]> { return this.datasets; }
  async get(id: string): Promise<DatasetRecord | null> { return this.datasets.find((d) => d.id === id) ?? null; }
  async quarantine(id: string): Promise<QuarantineItem[]> { return this.quarantined.get(id) ?? []; }
  pageSizes: number[] = [];
  async *rowPages(id: string, names: readonly string[], pageSize: number): AsyncIterable<StoredValue[][]> {
    const canonical = schema.names;
    const rows = this.rows.get(id) ?? [];
    for (let i = 0; i < rows.length; i += pageSize) {
      const page = rows.slice(i, i + pageSize).map((r) => names.map((n) => r[canonical.indexOf(n)] ?? null));
      this.pageSizes.push(page.length);
      yield page;
    }
  }
  appended: StoredValue[][] = [];
  async appendStreamRecord(_tx: unknown, _name: string, values: readonly StoredValue[]): Promise<{ datasetId: string; opened: boolean }> {
    this.appended.push([...values]);
    return { datasetId: 'stream', opened: this.appended.length === 1 };
  }
  async dueStreamWindows(): Promise<string[]> { return []; }
  async closeStreamWindow(): Promise<DatasetRecord | null> { return null; }
  async unpublished(): Promise<DatasetRecord[]> { return this.datasets.filter((d) => d.publishedAt === null); }
  async markPublished(id: string, at: Date): Promise<void> {
    this.datasets = this.datasets.map((d) => (d.id === id ? { ...d, publishedAt: at } : d));
  }
  async featuresPending(limit: number): Promise<DatasetRecord[]> {
    return this.datasets.filter((d) => d.features.status === 'pending').slice(0, limit);
  }
  async markFeatures(id: string, outcome: { materializedAt: Date } | { error: string }): Promise<void> {
    this.datasets = this.datasets.map((d) => {
      if (d.id !== id) return d;
      const f = d.features;
      return { ...d, features: 'error' in outcome ? { ...f, status: 'pending', attempts: f.attempts + 1, error: outcome.error } : { ...f, status: 'materialized', materializedAt: outcome.materializedAt, error: null } };
    });
  }
  backlog: BacklogEntry[] = [];
  /** The transaction each backlog item was written in. */
  backlogTx: unknown[] = [];
  async enqueueFeatures(tx: unknown, item: BacklogItem): Promise<void> {
    this.backlog.push({ ...item, id: String(this.backlog.length + 1), attempts: 0 });
    this.backlogTx.push(tx);
  }
  async featureBacklog(limit: number): Promise<BacklogEntry[]> {
    return this.backlog.slice(0, limit);
  }
  async settleBacklog(written: readonly string[], failed: readonly string[], error: string | null): Promise<void> {
    this.backlog = this.backlog.filter((e) => !written.includes(e.id)).map((e) => (failed.includes(e.id) ? { ...e, attempts: e.attempts + 1, error: error ?? e.error } : e));
  }
  async featuresBacklogSize(): Promise<{ datasets: number; records: number }> {
    return { datasets: this.datasets.filter((d) => d.features.status === 'pending').length, records: this.backlog.length };
  }
}

/** An online store in memory with the feature store's rule: a row replaces the stored one unless that one is newer. */
class MemoryFeatureWriter extends OnlineFeatureWriter {
  readonly view: FeatureView = { name: 'customer_features_v1', features: [{ name: 'tenure', type: 'number' }, { name: 'contract', type: 'string' }] };
  rows = new Map<string, { eventTime: number; record: IngestedRecord }>();
  down = false;
  writes = 0;
  async write(records: readonly IngestedRecord[], eventTime: Date): Promise<WriteSummary> {
    if (this.down) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
    this.writes++;
    let applied = 0;
    for (const record of records) {
      const id = record['customer_id'] as string;
      const known = this.rows.get(id);
      if (known !== undefined && known.eventTime > eventTime.getTime()) continue;
      this.rows.set(id, { eventTime: eventTime.getTime(), record });
      applied++;
    }
    return { applied, stale: records.length - applied };
  }
}

class FakePublisher extends EventPublisher {
  sent: { topic: string; payload: unknown; eventId: string | undefined }[] = [];
  failNext = 0;
  async publish<T extends TopicContract>(topic: T, payload: PayloadOf<T>, options?: { eventId?: string }): Promise<PublishReceipt> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('broker unavailable');
    }
    topic.schema.parse(payload);
    this.sent.push({ topic: topic.name, payload, eventId: options?.eventId });
    return { eventId: options?.eventId ?? '', topic: topic.name, key: topic.key(payload) } as PublishReceipt;
  }
  async publishMany(_items: readonly PublishItem[]): Promise<PublishReceipt[]> { return []; }
}

const ROOT = process.cwd();
const telco = readFileSync(join(ROOT, 'data/raw/customer_data.csv'));
const schema = new DataSchema({
  id_column: 'customer_id',
  target: { column: 'churn' },
  numeric_features: ['tenure', 'monthly_charges', 'total_charges', 'senior_citizen'],
  categorical_features: ['gender', 'partner', 'dependents', 'phone_service', 'multiple_lines', 'internet_service', 'online_security', 'online_backup', 'device_protection', 'tech_support', 'streaming_tv', 'streaming_movies', 'contract', 'paperless_billing', 'payment_method'],
});

function setup() {
  const store = new FakeStore();
  const events = new FakePublisher();
  const writer = new MemoryFeatureWriter();
  const logger = new JsonLogger({ service: 'test', write: () => undefined });
  const metrics = new MetricsRegistry({ service: 'ingestion', defaultMetrics: false });
  const features = new FeatureMaterializer(store, writer, events, schema, logger, metrics);
  const sut = new DatasetsService(store, events, schema, { ...defaultIngestionSettings, insertBatchRows: 500 }, logger, features);
  return { sut, store, events, writer, metrics };
}

const ingestedEvents = (events: FakePublisher): FakePublisher['sent'] => events.sent.filter((e) => e.topic === topics.dataIngested.name);

async function* chunks(bytes: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('DatasetsService', () => {
  it('stores every Telco row from a chunked stream, emits data-ingested with the dataset id as eventId, and is idempotent per input', async () => {
    const { sut, store, events } = setup();
    const r = await sut.ingestCsv('telco', chunks(telco, 4093), { fileName: 't.csv' });
    expect(r).toMatchObject({ created: true, records: 7043, stored: 7043, quarantined: 0 });
    expect(store.rows.get(r.dataset.id)).toHaveLength(7043);
    expect(ingestedEvents(events)).toEqual([{ topic: topics.dataIngested.name, payload: expect.objectContaining({ rowCount: 7043, version: 1 }), eventId: r.dataset.id }]);
    const again = await sut.ingestCsv('telco', chunks(telco, 65536), { fileName: 't.csv' });
    expect(again).toMatchObject({ created: false, stored: 7043 });
    expect(again.dataset.contentHash).toBe(r.dataset.contentHash);
    expect(ingestedEvents(events)).toHaveLength(1);
  });

  it('refuses a bad header before writing anything', async () => {
    const { sut, store } = setup();
    await expect(sut.ingestCsv('t', chunks(Buffer.from('customer_id,tenure\n1,2\n'), 7), { fileName: 'f' })).rejects.toThrow(/missing required column\(s\) "monthly_charges"/);
    await expect(sut.ingestCsv('Bad Name', chunks(telco, 1000), { fileName: 'f' })).rejects.toBeInstanceOf(IngestionError);
    expect(store.datasets).toHaveLength(0);
  });

  it('keeps the event for the sweep when the broker is down', async () => {
    const { sut, events } = setup();
    events.failNext = 1;
    await sut.ingestCsv('telco', chunks(telco, 1 << 20), { fileName: 't.csv' });
    expect(ingestedEvents(events)).toHaveLength(0);
    expect(await sut.sweep()).toEqual({ closed: 0, published: 1, featureDatasets: 0, featureRecords: 0 });
    expect(ingestedEvents(events)).toHaveLength(1);
  });

  it('dead-letters a record event that does not fit the schema, and appends a good one', async () => {
    const { sut, store } = setup();
    const values = { tenure: 1, monthly_charges: '29.85', total_charges: null, senior_citizen: 0, gender: 'Female', partner: 'Yes', dependents: 'No', phone_service: 'No', multiple_lines: 'No', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 'Yes', payment_method: 'Electronic check', churn: 'No' };
    const ok = createEvent(topics.dataRecord, { customerId: 'C-1', datasetName: 'live', values }, { producer: 'operator' });
    await sut.appendRecord(ok, undefined);
    expect(store.appended[0]!.slice(0, 3)).toEqual(['C-1', 1, 29.85]);
    const bad = createEvent(topics.dataRecord, { customerId: 'C-2', datasetName: 'live', values: { ...values, tenure: 'x' } }, { producer: 'operator' });
    await expect(sut.appendRecord(bad, undefined)).rejects.toThrow(NonRetriableError);
    await expect(sut.appendRecord(bad, undefined)).rejects.toThrow(/tenure: expected a number, got "x"/);
  });

  describe('online features', () => {
    const values = { tenure: 1, monthly_charges: '29.85', total_charges: null, senior_citizen: 0, gender: 'Female', partner: 'Yes', dependents: 'No', phone_service: 'No', multiple_lines: 'No', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 'Yes', payment_method: 'Electronic check', churn: 'No' };
    const record = (customerId: string, tenure: number, occurredAt: string) =>
      ({ ...createEvent(topics.dataRecord, { customerId, datasetName: 'live', values: { ...values, tenure } }, { producer: 'operator' }), occurredAt });

    it('an upload writes every accepted row with the commit time as event time, then announces features-materialized', async () => {
      const { sut, writer, events, metrics } = setup();
      const r = await sut.ingestCsv('telco', chunks(telco, 65536), { fileName: 't.csv' });
      expect(r.features).toEqual({ status: 'materialized', featureView: 'customer_features_v1', rows: 7043, applied: 7043, stale: 0 });
      expect(r.dataset.features).toMatchObject({ status: 'materialized', attempts: 0, error: null });
      expect(writer.rows.size).toBe(7043);
      expect(writer.rows.get('0001-AAAA')).toEqual({ eventTime: r.dataset.committedAt!.getTime(), record: expect.objectContaining({ customer_id: '0001-AAAA', tenure: 1, monthly_charges: 29.85, churn: 'No' }) });
      expect(writer.writes).toBe(2); // pages of 5,000 rows
      const announced = events.sent.filter((e) => e.topic === topics.featuresMaterialized.name);
      expect(announced).toEqual([{ topic: topics.featuresMaterialized.name, payload: expect.objectContaining({ datasetId: r.dataset.id, featureView: 'customer_features_v1', entityCount: 7043, featureNames: ['tenure', 'contract'] }), eventId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) }]);
      expect(await metrics.registry.getSingleMetricAsString('ingestion_features_materialized_rows_total')).toMatch(/source="upload",outcome="applied",service="ingestion"} 7043/);
      // The same bytes again: nothing written twice.
      const again = await sut.ingestCsv('telco', chunks(telco, 65536), { fileName: 't.csv' });
      expect(again.features).toEqual({ status: 'materialized', featureView: 'customer_features_v1' });
      expect(writer.writes).toBe(2);
    });

    it('the feature store down: the upload is stored and answered, its features stay pending with the error, and the sweep writes them later', async () => {
      const { sut, store, writer, metrics } = setup();
      writer.down = true;
      const r = await sut.ingestCsv('telco', chunks(telco, 65536), { fileName: 't.csv' });
      expect(r).toMatchObject({ created: true, stored: 7043 });
      expect(r.features).toEqual({ status: 'pending', featureView: 'customer_features_v1', error: "the online feature store (Redis) did not take the write: Stream isn't writeable and enableOfflineQueue options is false" });
      expect(r.dataset.features).toMatchObject({ status: 'pending', attempts: 1 });
      expect(store.rows.get(r.dataset.id)).toHaveLength(7043);
      expect(await sut.sweep()).toEqual({ closed: 0, published: 0, featureDatasets: 0, featureRecords: 0 });
      expect((await store.get(r.dataset.id))!.features.attempts).toBe(2);
      await expect(sut.materialize(r.dataset.id)).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/did not take the write.*The dataset is stored; its features stay pending and the sweep retries them/) });
      expect(await metrics.registry.getSingleMetricAsString('ingestion_features_materialization_failures_total')).toMatch(/source="upload",service="ingestion"} 3/);
      expect(await metrics.registry.getSingleMetricAsString('ingestion_features_backlog')).toMatch(/kind="datasets",service="ingestion"} 1/);
      writer.down = false;
      expect(await sut.sweep()).toEqual({ closed: 0, published: 0, featureDatasets: 1, featureRecords: 0 });
      expect(writer.rows.size).toBe(7043);
      expect((await store.get(r.dataset.id))!.features).toMatchObject({ status: 'materialized', error: null });
      expect(await metrics.registry.getSingleMetricAsString('ingestion_features_backlog')).toMatch(/kind="datasets",service="ingestion"} 0/);
    });

    it('a record is written with its event time: a newer one wins, an older one is kept out', async () => {
      const { sut, writer } = setup();
      expect((await sut.appendRecord(record('C-1', 5, '2026-03-01T10:00:00.000Z'), undefined)).features).toBe('written');
      expect((await sut.appendRecord(record('C-1', 9, '2026-03-02T10:00:00.000Z'), undefined)).features).toBe('written');
      expect(writer.rows.get('C-1')).toEqual({ eventTime: Date.parse('2026-03-02T10:00:00.000Z'), record: expect.objectContaining({ tenure: 9 }) });
      expect((await sut.appendRecord(record('C-1', 2, '2026-02-01T10:00:00.000Z'), undefined)).features).toBe('stale');
      expect(writer.rows.get('C-1')!.record['tenure']).toBe(9);
    });

    it('the feature store down: a record is stored and its features join the backlog in the consumer transaction; the sweep writes them, newer-wins', async () => {
      const { sut, store, writer } = setup();
      await sut.appendRecord(record('C-2', 9, '2026-03-02T10:00:00.000Z'), undefined);
      writer.down = true;
      const tx = { transaction: 'consumer' };
      expect((await sut.appendRecord(record('C-2', 4, '2026-03-01T10:00:00.000Z'), tx)).features).toBe('backlog');
      expect((await sut.appendRecord(record('C-3', 7, '2026-03-03T10:00:00.000Z'), tx)).features).toBe('backlog');
      expect(store.appended).toHaveLength(3);
      expect(store.backlogTx).toEqual([tx, tx]);
      expect(store.backlog.map((b) => [b.customerId, b.eventTimeMs])).toEqual([['C-2', Date.parse('2026-03-01T10:00:00.000Z')], ['C-3', Date.parse('2026-03-03T10:00:00.000Z')]]);
      expect(await sut.sweep()).toMatchObject({ featureRecords: 0 });
      expect(store.backlog.map((b) => b.attempts)).toEqual([1, 1]);
      writer.down = false;
      expect(await sut.sweep()).toMatchObject({ featureRecords: 2 });
      expect(store.backlog).toEqual([]);
      expect(writer.rows.get('C-2')!.record['tenure']).toBe(9); // the late, older record did not replace the newer row
      expect(writer.rows.get('C-3')!.record['tenure']).toBe(7);
    });

    it('POST /datasets/:id/materialize refuses a stream window and writes an upload again', async () => {
      const { sut, store, writer } = setup();
      const r = await sut.ingestCsv('telco', chunks(telco, 65536), { fileName: 't.csv' });
      writer.rows.clear(); // Redis lost its data
      const again = await sut.materialize(r.dataset.id);
      expect(again.features).toMatchObject({ status: 'materialized', rows: 7043, applied: 7043 });
      expect(writer.rows.size).toBe(7043);
      store.datasets = store.datasets.map((d) => ({ ...d, source: 'stream' as const }));
      await expect(sut.materialize(r.dataset.id)).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/is a stream window: its records' features are written one by one/) });
    });
  });

  describe('rowsCsv', () => {
    async function text(chunks: AsyncIterable<string>): Promise<string> {
      let out = '';
      for await (const c of chunks) out += c;
      return out;
    }

    it('gives back the 7,043 Telco rows in line order, in the schema order, page by page', async () => {
      const { sut, store } = setup();
      const r = await sut.ingestCsv('telco', chunks(telco, 65536), { fileName: 't.csv' });
      store.pageSizes = []; // the pages the feature materialization read
      const { chunks: out } = await sut.rowsCsv(r.dataset.id, 'csv', 1000);
      const csv = await text(out);
      expect(store.pageSizes).toEqual([1000, 1000, 1000, 1000, 1000, 1000, 1000, 43]);
      expect(csv.slice(0, csv.indexOf('\n'))).toBe(schema.names.join(','));
      const back = parseCsv(csv).dataset;
      const original = parseCsv(telco).dataset;
      expect(back.rowCount).toBe(7043);
      for (const name of schema.names) {
        for (let row = 0; row < 7043; row++) {
          if (back.value(name, row) !== original.value(name, row)) {
            throw new Error(`row ${row + 1}, column ${name}: ${String(back.value(name, row))} != ${String(original.value(name, row))}`);
          }
        }
      }
      expect(back.value('customer_id', 7042)).toBe(original.value('customer_id', 7042));
    });

    it('escapes quotes, delimiters and line breaks, and leaves missing values empty', async () => {
      const { sut } = setup();
      const header = schema.names.join(',');
      const values = schema.names.map((n) => (n === 'customer_id' ? 'C-1' : n === 'tenure' ? '3' : n === 'total_charges' ? '' : n === 'payment_method' ? '"Card, ""gold""\nplan"' : n === 'monthly_charges' ? '1.5' : n === 'senior_citizen' ? '0' : 'x'));
      const r = await sut.ingestCsv('quoted', chunks(Buffer.from(`${header}\n${values.join(',')}\n`), 7), { fileName: 'q.csv' });
      expect(r.stored).toBe(1);
      const csv = await text((await sut.rowsCsv(r.dataset.id, 'csv')).chunks);
      expect(csv).toBe(`${header}\n${values.join(',')}\n`);
      expect(parseCsv(csv).dataset.value('payment_method', 0)).toBe('Card, "gold"\nplan');
    });

    it('answers an unknown format (400) and an unknown id (404) before streaming anything', async () => {
      const { sut } = setup();
      await expect(sut.rowsCsv('00000000-0000-4000-8000-000000000000', 'parquet')).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/format "parquet" is not supported: ask for \?format=csv/) });
      await expect(sut.rowsCsv('00000000-0000-4000-8000-000000000000', 'csv')).rejects.toMatchObject({ status: 404, message: expect.stringMatching(/no dataset 00000000-0000-4000-8000-000000000000/) });
    });
  });
});
