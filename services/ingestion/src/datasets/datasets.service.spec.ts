import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEvent, topics, type PayloadOf, type TopicContract } from '@mlops/contracts';
import { EventPublisher, NonRetriableError, type PublishItem, type PublishReceipt } from '@mlops/messaging';
import { parseCsv } from '@mlops/ml';
import { JsonLogger } from '@mlops/observability';
import { DataSchema, type StoredValue } from '../schema/data-schema.js';
import { defaultIngestionSettings } from '../settings/ingestion-settings.js';
import { DatasetStore, type DatasetRecord, type IngestSummary, type IngestWrite, type QuarantineItem } from './dataset.store.js';
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
        const d: DatasetRecord = { id, name, version, status: 'committed', source, sourceDetail: s.sourceDetail, contentHash: s.contentHash, inputHash: s.inputHash, rowCount: s.rowCount, quarantinedCount: s.quarantinedCount, columns: s.columns, windowStart: null, windowEnd: null, createdAt: new Date(0), committedAt: new Date(0), publishedAt: null };
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
  const sut = new DatasetsService(store, events, schema, { ...defaultIngestionSettings, insertBatchRows: 500 }, new JsonLogger({ service: 'test', write: () => undefined }));
  return { sut, store, events };
}

async function* chunks(bytes: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('DatasetsService', () => {
  it('stores every Telco row from a chunked stream, emits data-ingested with the dataset id as eventId, and is idempotent per input', async () => {
    const { sut, store, events } = setup();
    const r = await sut.ingestCsv('telco', chunks(telco, 4093), { fileName: 't.csv' });
    expect(r).toMatchObject({ created: true, records: 7043, stored: 7043, quarantined: 0 });
    expect(store.rows.get(r.dataset.id)).toHaveLength(7043);
    expect(events.sent).toEqual([{ topic: topics.dataIngested.name, payload: expect.objectContaining({ rowCount: 7043, version: 1 }), eventId: r.dataset.id }]);
    const again = await sut.ingestCsv('telco', chunks(telco, 65536), { fileName: 't.csv' });
    expect(again).toMatchObject({ created: false, stored: 7043 });
    expect(again.dataset.contentHash).toBe(r.dataset.contentHash);
    expect(events.sent).toHaveLength(1);
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
    expect(events.sent).toHaveLength(0);
    expect(await sut.sweep()).toEqual({ closed: 0, published: 1 });
    expect(events.sent).toHaveLength(1);
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

  describe('rowsCsv', () => {
    async function text(chunks: AsyncIterable<string>): Promise<string> {
      let out = '';
      for await (const c of chunks) out += c;
      return out;
    }

    it('gives back the 7,043 Telco rows in line order, in the schema order, page by page', async () => {
      const { sut, store } = setup();
      const r = await sut.ingestCsv('telco', chunks(telco, 65536), { fileName: 't.csv' });
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
