/**
 * The ingestion service on the real stack (Kafka, PostgreSQL, Redis on 127.0.0.1): booted in
 * process through service-kit's startService with its own HTTP port and consumer group (a copy of
 * config/ whose environment file sets the group prefix), dataset names unique to the run.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import pg from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { topics, type DataIngestedPayload } from '@mlops/contracts';
import { buildOutboundMessage } from '@mlops/messaging';
import { parseCsv } from '@mlops/ml';
import { startService, type RunningService } from '@mlops/service-kit';
import { ingestionDatabase } from '../src/ingestion.database.js';
import { ingestionManifest } from '../src/ingestion.manifest.js';
import { IngestionModule } from '../src/ingestion.module.js';

const ROOT = resolve(process.cwd());
const CSV = join(ROOT, 'data/raw/customer_data.csv');
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://mlops:mlops@127.0.0.1:5432/mlops';
const RUN = `it${Date.now().toString(36)}${process.pid}`;
const PORT = 43201 + (process.pid % 500);
const KEY_PREFIX = `mlops:test:${RUN}:customer:`;

let service: RunningService;
let configDir = '';
let consumer: Consumer;
let producer: Producer;
let db: pg.Client;
const ingested = new Map<string, DataIngestedPayload>();
const dlq: { eventId: string; reason: string }[] = [];

const csvText = readFileSync(CSV, 'utf8');
const [HEADER, ...LINES] = csvText.trimEnd().split('\n') as [string, ...string[]];

function name(suffix: string): string {
  return `${RUN}-${suffix}`;
}

async function upload(dataset: string, body: string | Buffer, type = 'text/csv', query = ''): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${service.url}/datasets/${dataset}/upload${query}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function quarantineOf(id: string): Promise<{ line: number; columnName: string | null; reason: string; raw: string }[]> {
  const res = await fetch(`${service.url}/datasets/${id}/quarantine`);
  return ((await res.json()) as { items: { line: number; columnName: string | null; reason: string; raw: string }[] }).items;
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function datasetOf(json: Record<string, unknown>): { id: string; version: number; rowCount: number; quarantinedCount: number } {
  return json['dataset'] as { id: string; version: number; rowCount: number; quarantinedCount: number };
}

beforeAll(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'mlops-ingestion-it-'));
  for (const file of readdirSync(join(ROOT, 'config'))) {
    if (statSync(join(ROOT, 'config', file)).isFile()) copyFileSync(join(ROOT, 'config', file), join(configDir, file));
  }
  const envFile = join(configDir, `${process.env['MLOPS_ENV'] || 'development'}.yaml`);
  const overlay = (parseYaml(readFileSync(envFile, 'utf8')) ?? {}) as Record<string, unknown>;
  overlay['kafka'] = { ...((overlay['kafka'] as object | undefined) ?? {}), consumer_group_prefix: `mlops-${RUN}` };
  overlay['logging'] = { level: 'warn' };
  // Uploads write online features: under this run's key prefix (deleted after), not the platform's.
  const features = (overlay['features'] as Record<string, unknown> | undefined) ?? {};
  overlay['features'] = { ...features, online_store: { type: 'redis', key_prefix: KEY_PREFIX, ttl_seconds: 3600, feature_view: 'customer_features_v1' } };
  writeFileSync(envFile, stringifyYaml(overlay));
  service = await startService(
    { name: 'ingestion', version: '0.0.0-test', module: IngestionModule, uses: { postgres: ingestionDatabase, redis: true }, manifest: ingestionManifest },
    { env: { ...process.env, MLOPS_CONFIG_DIR: configDir, INGESTION_HTTP_PORT: String(PORT) }, write: () => undefined },
  );
  const kafka = new Kafka({ clientId: `ingestion-${RUN}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  consumer = kafka.consumer({ groupId: `ingestion-${RUN}-observer` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.dataIngested.name, `${topics.dataRecord.name}.dlq`], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const value = message.value?.toString('utf8') ?? '';
      if (topic === topics.dataIngested.name) {
        const event = JSON.parse(value) as { payload: DataIngestedPayload };
        if (event.payload.datasetName.startsWith(RUN)) ingested.set(event.payload.datasetId, event.payload);
      } else {
        const eventId = message.headers?.['x-event-id']?.toString() ?? '';
        dlq.push({ eventId, reason: message.headers?.['x-dlq-reason']?.toString() ?? '' });
      }
    },
  });
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
}, 60_000);

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  await db?.end();
  await service?.stop();
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${KEY_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  rmSync(configDir, { recursive: true, force: true });
}, 60_000);

describe('CSV upload', () => {
  let first: { id: string; version: number };

  it('stores the 7,043 Telco rows as version 1 and emits data-ingested keyed by the dataset id', async () => {
    const { status, json } = await upload(name('telco'), readFileSync(CSV));
    expect(status).toBe(201);
    expect(json).toMatchObject({ created: true, records: 7043, stored: 7043, quarantined: 0, features: { status: 'materialized', rows: 7043 } });
    first = datasetOf(json);
    expect(first.version).toBe(1);
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM ingestion.dataset_rows WHERE dataset_id = $1', [first.id]);
    expect(Number(rows[0]!.n)).toBe(7043);
    const event = await waitFor('data-ingested', () => ingested.get(first.id));
    expect(event).toMatchObject({ datasetName: name('telco'), version: 1, rowCount: 7043, quarantinedCount: 0, source: { kind: 'upload', sizeBytes: statSync(CSV).size } });
    expect(event.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(event.columns.find((c) => c.name === 'tenure')).toEqual({ name: 'tenure', type: 'integer' });
    const stored = await db.query<{ record: Record<string, unknown> }>(
      'SELECT record FROM ingestion.dataset_rows WHERE dataset_id = $1 AND row_number = 1',
      [first.id],
    );
    expect(stored.rows[0]!.record).toMatchObject({ customer_id: '0001-AAAA', tenure: 1, monthly_charges: 29.85, churn: 'No' });
  }, 60_000);

  it('returns the same version for the same bytes, and a new version for other bytes', async () => {
    const again = await upload(name('telco'), readFileSync(CSV));
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ created: false, stored: 7043 });
    expect(datasetOf(again.json).id).toBe(first.id);
    const fewer = await upload(name('telco'), `${HEADER}\n${LINES.slice(0, 10).join('\n')}\n`);
    expect(fewer.status).toBe(201);
    expect(datasetOf(fewer.json).version).toBe(2);
    const { rows } = await db.query('SELECT id FROM ingestion.datasets WHERE name = $1', [name('telco')]);
    expect(rows).toHaveLength(2);
  }, 60_000);
});

describe('GET /datasets/:id/rows?format=csv', () => {
  it('gives back the uploaded Telco file: 7,043 rows equal to the file values, streamed as text/csv', async () => {
    const { status, json } = await upload(name('rows'), readFileSync(CSV));
    expect(status).toBe(201);
    const { id } = datasetOf(json);
    const res = await fetch(`${service.url}/datasets/${id}/rows?format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const text = await res.text();
    const columns = (json['dataset'] as { columns: { name: string }[] }).columns.map((c) => c.name);
    expect(text.slice(0, text.indexOf('\n'))).toBe(columns.join(','));
    const back = parseCsv(text).dataset;
    const original = parseCsv(readFileSync(CSV)).dataset;
    expect(back.rowCount).toBe(7043);
    expect(back.columnNames.sort()).toEqual(original.columnNames.sort());
    const differences: string[] = [];
    for (const column of original.columnNames) {
      for (let row = 0; row < original.rowCount; row++) {
        if (back.value(column, row) !== original.value(column, row)) differences.push(`${row + 2}:${column}`);
      }
    }
    expect(differences).toEqual([]);
  }, 60_000);

  it('answers 404 with a message for an unknown id and 400 for an unknown format', async () => {
    const unknown = randomUUID();
    const missing = await fetch(`${service.url}/datasets/${unknown}/rows?format=csv`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toMatch(new RegExp(`no dataset ${unknown}`));
    const bad = await fetch(`${service.url}/datasets/${unknown}/rows?format=xlsx`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/format "xlsx" is not supported: ask for \?format=csv/);
  });
});

describe('malformed CSV corpus', () => {
  const good = LINES.slice(0, 20);

  it.each([
    ['wrong delimiter', `${HEADER.replace(/,/g, ';')}\n${good[0]!.replace(/,/g, ';')}\n`, 'text/csv', 400, /semicolon-separated.*delimiter=%3B/],
    ['missing column', `${HEADER.replace(',"churn"', '')}\n`, 'text/csv', 400, /missing required column\(s\) "churn"/],
    ['duplicate column', `${HEADER},"tenure"\n${good[0]},1\n`, 'text/csv', 400, /duplicate column\(s\) "tenure"/],
    ['empty file', '', 'text/csv', 400, /the file is empty/],
    ['header only', `${HEADER}\n`, 'text/csv', 400, /no data rows/],
    ['wrong content type (JSON)', '{"a":1}', 'application/json', 415, /send the file as text\/csv/],
    ['wrong content type (binary)', 'abc', 'application/octet-stream', 415, /send the file as text\/csv/],
    ['invalid UTF-8 in the header', Buffer.concat([Buffer.from('"customer_\xff'.replace('\xff', ''), 'utf8'), Buffer.from([0xff]), Buffer.from('id"\n')]), 'text/csv', 400, /header .*invalid UTF-8/],
  ])('%s: a clear error saying what to fix', async (_label, body, type, status, message) => {
    const res = await upload(name('bad'), body, type);
    expect(res.status).toBe(status);
    expect(String(res.json['message'])).toMatch(message);
  });

  it('accepts a semicolon file when told ?delimiter=;', async () => {
    const res = await upload(name('semi'), `${HEADER.replace(/,/g, ';')}\n${good.slice(0, 3).map((l) => l.replace(/,/g, ';')).join('\n')}\n`, 'text/csv', '?delimiter=%3B');
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ stored: 3, quarantined: 0 });
  });

  it('quarantines bad rows with line, column and reason and keeps the good ones', async () => {
    const textInNumeric = good[1]!.replace(/^("[^"]*","[^"]*",\d+,"[^"]*","[^"]*"),\d+,/, '$1,twelve,'); // tenure
    const tooLong = `"LONG-0001","Male",0,"No","No",1,"Yes","No","DSL","No","No","No","No","No","No","Month-to-month","Yes","${'x'.repeat(10 * 1024 * 1024)}",1,1,"No"`;
    const badUtf8 = Buffer.concat([Buffer.from('"UTF8-0001","Ma'), Buffer.from([0xc3, 0x28]), Buffer.from('le",0,"No","No",1,"Yes","No","DSL","No","No","No","No","No","No","Month-to-month","Yes","x",1,1,"No"')]);
    const body = Buffer.concat([
      Buffer.from(`${HEADER}\n${good[0]}\n${textInNumeric}\n${good[2]}\n`), // lines 2, 3 (bad), 4
      Buffer.from(`${tooLong}\n${good[3]}\n`), // 5 (bad), 6
      badUtf8,
      Buffer.from(`\n${good[4]}\n`), // 7 (bad), 8
      // 9 (bad: its quote is never closed; the lines after it, without quotes, are read again), 10, 11
      Buffer.from(`"QUOTE-0001","Male,0\n${good[5]!.replace(/"/g, '')}\n${good[6]!.replace(/"/g, '')}\n`),
    ]);
    const res = await upload(name('partly-bad'), body);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ records: 10, stored: 6, quarantined: 4 });
    const items = await quarantineOf(datasetOf(res.json).id);
    expect(items.map((i) => i.line)).toEqual([3, 5, 7, 9]);
    expect(items[0]).toMatchObject({ columnName: 'tenure', reason: 'expected a number, got "twelve"' });
    expect(items[1]!.reason).toMatch(/line too long: more than 1048576 bytes/);
    expect(items[1]!.raw.length).toBeLessThanOrEqual(4100);
    expect(items[2]!.reason).toMatch(/invalid UTF-8/);
    expect(items[3]!.reason).toMatch(/unterminated quoted field: the quote opened on line 9/);
    const ids = await db.query<{ id: string }>(
      `SELECT record->>'customer_id' AS id FROM ingestion.dataset_rows WHERE dataset_id = $1 ORDER BY row_number`,
      [datasetOf(res.json).id],
    );
    expect(ids.rows.map((r) => r.id)).toEqual([0, 2, 3, 4, 5, 6].map((i) => JSON.parse(good[i]!.split(',')[0]!) as string));
  }, 60_000);
});

describe('REST batch', () => {
  const record = (id: string, tenure: unknown = 5): Record<string, unknown> => {
    const fields = LINES[0]!.split(',').map((f) => (f.startsWith('"') ? (JSON.parse(f) as string) : Number(f)));
    const names = HEADER.split(',').map((h) => JSON.parse(h) as string);
    const r = Object.fromEntries(names.map((n, i) => [n, fields[i]]));
    return { ...r, customer_id: id, tenure };
  };
  const post = async (dataset: string, body: unknown, query = ''): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${service.url}/datasets/${dataset}/records${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('refuses the whole batch naming the field and index, or keeps the good rows with ?partial=true', async () => {
    const body = [record('B-1'), record('B-2', 'many'), record('B-3')];
    const all = await post(name('batch'), body);
    expect(all.status).toBe(400);
    expect(all.json['errors']).toEqual([{ index: 1, field: 'tenure', reason: 'expected a number, got "many"' }]);
    const partial = await post(name('batch'), body, '?partial=true');
    expect(partial.status).toBe(201);
    expect(partial.json).toMatchObject({ stored: 2, quarantined: 1 });
    expect(await waitFor('data-ingested', () => ingested.get(datasetOf(partial.json).id))).toMatchObject({ source: { kind: 'batch' } });
  });

  it('refuses more than 10,000 records', async () => {
    const res = await post(name('batch'), Array.from({ length: 10_001 }, (_, i) => record(`M-${i}`)));
    expect(res.status).toBe(413);
    expect(String(res.json['message'])).toMatch(/at most 10000/);
  }, 30_000);
});

describe('record events', () => {
  const values = (): Record<string, string | number | null> => {
    const names = HEADER.split(',').map((h) => JSON.parse(h) as string);
    const fields = LINES[1]!.split(',').map((f) => (f.startsWith('"') ? (JSON.parse(f) as string) : Number(f)));
    const v = Object.fromEntries(names.map((n, i) => [n, fields[i]!]));
    delete v['customer_id'];
    return v;
  };

  async function send(payload: { customerId: string; datasetName: string; values: Record<string, string | number | null> }, eventId: string): Promise<void> {
    const { message } = buildOutboundMessage(topics.dataRecord, payload, 'operator', { eventId });
    await producer.send({ topic: message.topic, messages: [{ key: message.key, value: message.value, headers: message.headers }] });
  }

  it('stores a record once when it is sent twice with the same eventId, and closes the window into a dataset', async () => {
    const dataset = name('stream');
    const eventId = randomUUID();
    await send({ customerId: 'S-0001', datasetName: dataset, values: values() }, eventId);
    await send({ customerId: 'S-0001', datasetName: dataset, values: values() }, eventId);
    await send({ customerId: 'S-0002', datasetName: dataset, values: values() }, randomUUID());
    const id = await waitFor('two stream rows', async () => {
      const { rows } = await db.query<{ id: string; n: string }>(
        `SELECT d.id, count(r.*) AS n FROM ingestion.datasets d JOIN ingestion.dataset_rows r ON r.dataset_id = d.id WHERE d.name = $1 GROUP BY d.id`,
        [dataset],
      );
      return rows.length === 1 && Number(rows[0]!.n) === 2 ? rows[0]!.id : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500)); // the duplicate had its chance
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM ingestion.dataset_rows WHERE dataset_id = $1', [id]);
    expect(Number(rows[0]!.n)).toBe(2);
    const closed = await fetch(`${service.url}/datasets/${id}/close`, { method: 'POST' });
    expect(closed.status).toBe(200);
    expect(await waitFor('data-ingested', () => ingested.get(id))).toMatchObject({ rowCount: 2, source: { kind: 'stream', topic: topics.dataRecord.name } });
  }, 60_000);

  it('dead-letters a record that does not fit the schema, with the reason', async () => {
    const eventId = randomUUID();
    await send({ customerId: 'S-0003', datasetName: name('stream'), values: { ...values(), tenure: 'long', bogus: 1 } }, eventId);
    const dead = await waitFor('the DLQ record', () => dlq.find((d) => d.eventId === eventId));
    expect(dead.reason).toMatch(/tenure: expected a number, got "long"/);
    expect(dead.reason).toMatch(/bogus: unknown column/);
  }, 60_000);
});
