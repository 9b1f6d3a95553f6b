/**
 * Online features written at ingestion, on the real stack (Kafka, PostgreSQL, Redis on 127.0.0.1;
 * `npm run stack -- start`): the ingestion service booted in process with a feature-store key
 * prefix and consumer groups of its own run. The Telco CSV is uploaded; every customer's hash must
 * hold what the training-time feature code computes for its row (libs/training buildFeatures:
 * TELCO_FEATURES fitted on the training split, `applyRecord`), and the model-column vectors rebuilt
 * from it must equal the training matrix bitwise. Record events: a newer one replaces the row, an
 * older one does not.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import pg from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfig, type PlatformConfig } from '@mlops/config';
import { topics, type FeaturesMaterializedPayload } from '@mlops/contracts';
import { FeatureStore, customerFeatureView, getServingRecords, recordFeatures } from '@mlops/feature-store';
import { buildOutboundMessage } from '@mlops/messaging';
import { TELCO_FEATURES, toCategory, toNumber } from '@mlops/ml';
import { startService, type RunningService } from '@mlops/service-kit';
import { buildFeatures, readTrainingCsv, splitData } from '@mlops/training';
import { ingestionDatabase } from '../src/ingestion.database.js';
import { ingestionManifest } from '../src/ingestion.manifest.js';
import { IngestionModule } from '../src/ingestion.module.js';

const ROOT = resolve(process.cwd());
const CSV = join(ROOT, 'data/raw/customer_data.csv');
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://mlops:mlops@127.0.0.1:5432/mlops';
const RUN = `itf${Date.now().toString(36)}${process.pid}`;
const PORT = 43701 + (process.pid % 500);
const PREFIX = `mlops:test:${RUN}:customer:`;
const TTL = 3600;

let service: RunningService;
let config: PlatformConfig;
let configDir = '';
let redis: Redis;
let store: FeatureStore;
let producer: Producer;
let consumer: Consumer;
let db: pg.Client;
const materialized = new Map<string, FeaturesMaterializedPayload>();

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'mlops-ingestion-features-'));
  for (const file of readdirSync(join(ROOT, 'config'))) {
    if (statSync(join(ROOT, 'config', file)).isFile()) copyFileSync(join(ROOT, 'config', file), join(configDir, file));
  }
  const envFile = join(configDir, `${process.env['MLOPS_ENV'] || 'development'}.yaml`);
  const overlay = (parseYaml(readFileSync(envFile, 'utf8')) ?? {}) as Record<string, Record<string, unknown>>;
  // Only this run's record events (earlier runs' events, replayed, would carry other event times).
  overlay['kafka'] = { ...(overlay['kafka'] ?? {}), consumer_group_prefix: `mlops-${RUN}`, auto_offset_reset: 'latest' };
  overlay['logging'] = { level: 'warn' };
  const features = (overlay['features'] ?? {}) as Record<string, unknown>;
  overlay['features'] = { ...features, online_store: { type: 'redis', key_prefix: PREFIX, ttl_seconds: TTL, feature_view: 'customer_features_v1' } };
  writeFileSync(envFile, stringifyYaml(overlay));
  const env = { ...process.env, MLOPS_CONFIG_DIR: configDir, INGESTION_HTTP_PORT: String(PORT) };
  config = loadConfig({ env, configDir });
  service = await startService(
    { name: 'ingestion', version: '0.0.0-test', module: IngestionModule, uses: { postgres: ingestionDatabase, redis: true }, manifest: ingestionManifest },
    { env, write: () => undefined },
  );
  redis = new Redis(config.redis.url, { lazyConnect: false });
  // The view ingestion writes: the config's raw feature columns and the record-local Telco features.
  const raw = [
    ...config.data.numeric_features.map((name) => ({ name, type: 'numeric' as const })),
    ...config.data.categorical_features.map((name) => ({ name, type: 'categorical' as const })),
  ];
  store = FeatureStore.fromConfig(redis, config.features.online_store, [customerFeatureView('customer_features_v1', raw, recordFeatures(TELCO_FEATURES).fitted)]);
  const kafka = new Kafka({ clientId: `ingestion-${RUN}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  consumer = kafka.consumer({ groupId: `ingestion-${RUN}-observer` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.featuresMaterialized.name], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(message.value?.toString('utf8') ?? '{}') as { payload: FeaturesMaterializedPayload };
      materialized.set(event.payload.datasetId, event.payload);
    },
  });
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
}, 90_000);

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  await db?.end();
  await service?.stop();
  if (redis) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
  if (configDir) rmSync(configDir, { recursive: true, force: true });
}, 60_000);

describe('online features written at ingestion', () => {
  let committedAt = 0;
  let monthly0001 = 0;

  it('a Telco upload writes every customer: exactly the training-time feature code, and model vectors equal the training matrix bitwise', async () => {
    const res = await fetch(`${service.url}/datasets/${RUN}-telco/upload`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: readFileSync(CSV) });
    expect(res.status).toBe(201);
    const json = (await res.json()) as { dataset: { id: string; committedAt: string; features: { status: string } }; features: Record<string, unknown> };
    expect(json.features).toEqual({ status: 'materialized', featureView: 'customer_features_v1', rows: 7043, applied: 7043, stale: 0 });
    expect(json.dataset.features.status).toBe('materialized');
    committedAt = Date.parse(json.dataset.committedAt);
    const event = await waitFor('features-materialized', () => materialized.get(json.dataset.id));
    expect(event).toMatchObject({ featureView: 'customer_features_v1', entityCount: 7043 });
    expect(event.featureNames).toEqual(expect.arrayContaining(['tenure', 'contract', 'tenure_category', 'total_amount', 'avg_monthly_charges']));

    // The training side: the pipeline's own split, features fitted on its training rows, preprocessing, matrix.
    const split = splitData(await readTrainingCsv(CSV, config), config);
    const trained = buildFeatures(split.raw, split.idx.train, config);
    const view = store.getView();
    const ids = Array.from({ length: split.raw.rowCount }, (_, r) => split.raw.value('customer_id', r) as string);
    const rows = (await store.getOnlineFeatures({ entityRows: ids.map((customerId) => ({ customerId })) })).rows;
    const differences: string[] = [];
    for (let r = 0; r < split.raw.rowCount; r++) {
      const record = split.raw.record(r);
      const id = ids[r]!;
      if (id === '0001-AAAA') monthly0001 = record['monthly_charges'] as number;
      const row = rows[r]!;
      if (row.eventTimes['customer_features_v1'] !== committedAt) differences.push(`${id}: event time ${row.eventTimes['customer_features_v1']}`);
      const want = trained.features.applyRecord(record);
      for (const f of view.features) {
        const expected = f.type === 'number' ? toNumber(want[f.name], f.name) : toCategory(want[f.name], f.name);
        const value = typeof expected === 'number' && Number.isNaN(expected) ? null : expected;
        if (!Object.is(row.values[f.name], value)) differences.push(`${id}.${f.name}: ${String(row.values[f.name])} != ${String(value)}`);
      }
    }
    expect(differences).toEqual([]);
    expect(await redis.ttl(`${PREFIX}0001-AAAA`)).toBeGreaterThan(TTL - 60);

    // Serving's view of it: the stored record, the model's own fitted features (is_high_risk with the
    // training median), the preprocessing: the training matrix, row for row, bit for bit.
    const records = await getServingRecords(store, ids, { recompute: trained.features });
    const x = trained.x;
    const bad: number[] = [];
    records.forEach((rec, r) => {
      const online = trained.preprocessor.transformRecord(rec!);
      for (let c = 0; c < x.cols; c++) if (!Object.is(online[c], x.data[c * x.rows + r])) return void bad.push(r);
    });
    expect(bad).toEqual([]);
  }, 120_000);

  async function sendRecord(customerId: string, changes: Record<string, string | number | null>, occurredAt: number, dataset: string): Promise<void> {
    const lines = readFileSync(CSV, 'utf8').split('\n');
    const names = lines[0]!.split(',').map((h) => JSON.parse(h) as string);
    const line = lines.find((l) => l.startsWith(`"${customerId}"`))!;
    const fields = line.split(',').map((f) => (f.startsWith('"') ? (JSON.parse(f) as string) : f === '' ? null : Number(f)));
    const values = Object.fromEntries(names.map((n, i) => [n, fields[i]!]));
    delete values['customer_id'];
    const { message } = buildOutboundMessage(topics.dataRecord, { customerId, datasetName: dataset, values: { ...values, ...changes } }, 'operator', { eventId: randomUUID() });
    const event = JSON.parse(message.value) as { occurredAt: string };
    event.occurredAt = new Date(occurredAt).toISOString();
    await producer.send({ topic: message.topic, messages: [{ key: message.key, value: JSON.stringify(event), headers: message.headers }] });
  }

  async function streamRows(dataset: string): Promise<number> {
    const { rows } = await db.query<{ n: string }>(`SELECT count(r.*) AS n FROM ingestion.datasets d JOIN ingestion.dataset_rows r ON r.dataset_id = d.id WHERE d.name = $1`, [dataset]);
    return Number(rows[0]?.n ?? 0);
  }

  it('a record event newer than the upload replaces the customer row (derived features recomputed); an older one does not', async () => {
    const dataset = `${RUN}-live`;
    // The service's group starts at the end of the topic: re-send a probe until it is consumed (the group has joined).
    await waitFor('the record consumer', async () => {
      await sendRecord('0004-AAAD', { tenure: 60 }, committedAt + 1, `${RUN}-probe`);
      await new Promise((r) => setTimeout(r, 500));
      return (await store.getFeatures('0004-AAAD')).values['tenure'] === 60 ? true : undefined;
    });
    const newer = committedAt + 3_600_000;
    await sendRecord('0001-AAAA', { tenure: 40 }, newer, dataset);
    const row = await waitFor('the newer record in the store', async () => {
      const r = await store.getFeatures('0001-AAAA');
      return r.values['tenure'] === 40 ? r : undefined;
    });
    expect(row.eventTimes['customer_features_v1']).toBe(newer);
    expect(row.values).toMatchObject({ tenure: 40, tenure_category: 'Long', total_amount: 40 * monthly0001, avg_monthly_charges: monthly0001 / 41 });

    await sendRecord('0001-AAAA', { tenure: 3 }, committedAt - 86_400_000, dataset);
    await waitFor('the older record stored in PostgreSQL', async () => ((await streamRows(dataset)) === 2 ? true : undefined));
    const after = await store.getFeatures('0001-AAAA');
    expect(after.values['tenure']).toBe(40);
    expect(after.eventTimes['customer_features_v1']).toBe(newer);
    // A record of a new customer is written too.
    await sendRecord('0002-AAAB', { tenure: 12 }, newer + 1000, dataset);
    await waitFor('a second customer', async () => ((await store.getFeatures('0002-AAAB')).values['tenure'] === 12 ? true : undefined));
  }, 60_000);

  it('GET /datasets/:id shows the features state; POST /datasets/:id/materialize writes an upload again and refuses a stream window', async () => {
    const { rows } = await db.query<{ id: string; source: string }>(`SELECT id, source FROM ingestion.datasets WHERE name LIKE $1 ORDER BY source`, [`${RUN}-%`]);
    const upload = rows.find((r) => r.source === 'upload')!;
    const stream = rows.find((r) => r.source === 'stream')!;
    const got = (await (await fetch(`${service.url}/datasets/${upload.id}`)).json()) as { features: { status: string; materializedAt: string; attempts: number; error: null } };
    expect(got.features).toMatchObject({ status: 'materialized', attempts: 0, error: null });
    await redis.unlink(`${PREFIX}0003-AAAC`); // as if Redis had lost it
    const again = await fetch(`${service.url}/datasets/${upload.id}/materialize`, { method: 'POST' });
    expect(again.status).toBe(200);
    // 0001-AAAA, 0002-AAAB and 0004-AAAD hold newer record rows: kept.
    expect(((await again.json()) as { features: unknown }).features).toEqual({ status: 'materialized', featureView: 'customer_features_v1', rows: 7043, applied: 7040, stale: 3 });
    expect((await store.getFeatures('0003-AAAC')).found).toBe(true);
    expect((await store.getFeatures('0001-AAAA')).values['tenure']).toBe(40);
    const refused = await fetch(`${service.url}/datasets/${stream.id}/materialize`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toMatch(/is a stream window: its records' features are written one by one/);
  }, 60_000);

  it('exports the materialization metrics', async () => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    const count = (labels: string): number => Number(new RegExp(`ingestion_features_materialized_rows_total\\{${labels},service="ingestion"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
    expect(count('source="upload",outcome="applied"')).toBe(7043 + 7040);
    expect(count('source="upload",outcome="stale"')).toBe(3);
    // Records of other tests running at the same time may be consumed too: at least ours.
    expect(count('source="record",outcome="applied"')).toBeGreaterThanOrEqual(3);
    expect(count('source="record",outcome="stale"')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/# TYPE ingestion_features_materialization_failures_total counter/);
    expect(text).toMatch(/# TYPE ingestion_features_backlog gauge/);
  });
});
