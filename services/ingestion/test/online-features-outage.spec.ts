/**
 * A feature store outage during ingestion, on real components: the ingestion service (in process,
 * the stack's Kafka and PostgreSQL) writes its online features to a Redis server of this test
 * (`redis-server` on a free port), which is killed and restarted. What must hold: an upload and a
 * record event during the outage are stored and answered, the upload's answer says the features are
 * pending and why, nothing is lost: once Redis is back the sweep writes both, with their event times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfig } from '@mlops/config';
import { topics } from '@mlops/contracts';
import { FeatureStore, customerFeatureView, recordFeatures } from '@mlops/feature-store';
import { buildOutboundMessage } from '@mlops/messaging';
import { TELCO_FEATURES } from '@mlops/ml';
import { startService, type RunningService } from '@mlops/service-kit';
import { ingestionDatabase } from '../src/ingestion.database.js';
import { ingestionManifest } from '../src/ingestion.manifest.js';
import { IngestionModule } from '../src/ingestion.module.js';

const ROOT = resolve(process.cwd());
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://mlops:mlops@127.0.0.1:5432/mlops';
const RUN = `ito${Date.now().toString(36)}${process.pid}`;
const PORT = 44201 + (process.pid % 500);
const [HEADER, ...LINES] = readFileSync(join(ROOT, 'data/raw/customer_data.csv'), 'utf8').trimEnd().split('\n') as [string, ...string[]];

let redisPort = 0;
let redisServer: ChildProcess | undefined;
let redis: Redis;
let store: FeatureStore;
let service: RunningService;
let producer: Producer;
let db: pg.Client;
let configDir = '';
let sweepBefore: string | undefined;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

async function startRedis(): Promise<void> {
  redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new Redis({ port: redisPort, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return;
    } catch {
      probe.disconnect();
      if (i > 100) throw new Error(`redis-server did not start on port ${redisPort}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function stopRedis(): Promise<void> {
  const child = redisServer;
  redisServer = undefined;
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
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

async function upload(dataset: string, lines: readonly string[]): Promise<{ status: number; json: { dataset: { id: string; committedAt: string }; features: Record<string, unknown> } }> {
  const res = await fetch(`${service.url}/datasets/${dataset}/upload`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `${HEADER}\n${lines.join('\n')}\n` });
  return { status: res.status, json: (await res.json()) as { dataset: { id: string; committedAt: string }; features: Record<string, unknown> } };
}

beforeAll(async () => {
  redisPort = await freePort();
  await startRedis();
  configDir = mkdtempSync(join(tmpdir(), 'mlops-ingestion-outage-'));
  for (const file of readdirSync(join(ROOT, 'config'))) {
    if (statSync(join(ROOT, 'config', file)).isFile()) copyFileSync(join(ROOT, 'config', file), join(configDir, file));
  }
  const envFile = join(configDir, `${process.env['MLOPS_ENV'] || 'development'}.yaml`);
  const overlay = (parseYaml(readFileSync(envFile, 'utf8')) ?? {}) as Record<string, Record<string, unknown>>;
  overlay['kafka'] = { ...(overlay['kafka'] ?? {}), consumer_group_prefix: `mlops-${RUN}`, auto_offset_reset: 'latest' };
  overlay['logging'] = { level: 'error' };
  writeFileSync(envFile, stringifyYaml(overlay));
  const env = { ...process.env, MLOPS_CONFIG_DIR: configDir, INGESTION_HTTP_PORT: String(PORT), REDIS_URL: `redis://127.0.0.1:${redisPort}` };
  const config = loadConfig({ env, configDir });
  // The sweep retries every second (the service reads its limits from the process environment).
  sweepBefore = process.env['INGESTION_SWEEP_INTERVAL_MS'];
  process.env['INGESTION_SWEEP_INTERVAL_MS'] = '1000';
  service = await startService(
    { name: 'ingestion', version: '0.0.0-test', module: IngestionModule, uses: { postgres: ingestionDatabase, redis: true }, manifest: ingestionManifest },
    { env, write: () => undefined },
  );
  redis = new Redis({ port: redisPort, host: '127.0.0.1', retryStrategy: () => 100 });
  redis.on('error', () => undefined);
  const raw = [
    ...config.data.numeric_features.map((name) => ({ name, type: 'numeric' as const })),
    ...config.data.categorical_features.map((name) => ({ name, type: 'categorical' as const })),
  ];
  store = FeatureStore.fromConfig(redis, config.features.online_store, [customerFeatureView(config.features.online_store.feature_view, raw, recordFeatures(TELCO_FEATURES).fitted)]);
  producer = new Kafka({ clientId: `ingestion-${RUN}`, brokers: BROKERS, logLevel: logLevel.NOTHING }).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
}, 90_000);

afterAll(async () => {
  await producer?.disconnect();
  await db?.end();
  await service?.stop();
  redis?.disconnect();
  await stopRedis();
  if (sweepBefore === undefined) delete process.env['INGESTION_SWEEP_INTERVAL_MS'];
  else process.env['INGESTION_SWEEP_INTERVAL_MS'] = sweepBefore;
  if (configDir) rmSync(configDir, { recursive: true, force: true });
}, 60_000);

async function sendRecord(customerId: string, tenure: number, dataset: string): Promise<string> {
  const names = HEADER.split(',').map((h) => JSON.parse(h) as string);
  const fields = LINES.find((l) => l.startsWith(`"${customerId}"`))!.split(',').map((f) => (f.startsWith('"') ? (JSON.parse(f) as string) : Number(f)));
  const values = Object.fromEntries(names.map((n, i) => [n, fields[i]!]));
  delete values['customer_id'];
  const eventId = randomUUID();
  const { message } = buildOutboundMessage(topics.dataRecord, { customerId, datasetName: dataset, values: { ...values, tenure } }, 'operator', { eventId });
  await producer.send({ topic: message.topic, messages: [{ key: message.key, value: message.value, headers: message.headers }] });
  return JSON.parse(message.value).occurredAt as string;
}

describe('a feature store outage during ingestion', () => {
  it('loses nothing: the upload and the record are stored during the outage, the features are written once Redis is back', async () => {
    const before = await upload(`${RUN}-before`, LINES.slice(0, 50));
    expect(before.status).toBe(201);
    expect(before.json.features).toMatchObject({ status: 'materialized', rows: 50, applied: 50 });
    // The record consumer is up (its group starts at the end of the topic): a probe until one is written.
    await waitFor('the record consumer', async () => {
      await sendRecord('0001-AAAA', 7, `${RUN}-probe`);
      await new Promise((r) => setTimeout(r, 500));
      return (await store.getFeatures('0001-AAAA')).values['tenure'] === 7 ? true : undefined;
    });

    await stopRedis();
    const during = await upload(`${RUN}-during`, LINES.slice(100, 160));
    expect(during.status).toBe(201); // the data is stored
    expect(during.json.features).toMatchObject({ status: 'pending', featureView: 'customer_features_v1', error: expect.stringMatching(/^the online feature store \(Redis\) did not take the write: /) });
    const id = during.json.dataset.id;
    const shown = (await (await fetch(`${service.url}/datasets/${id}`)).json()) as { rowCount: number; features: { status: string; attempts: number; error: string } };
    expect(shown).toMatchObject({ rowCount: 60, features: { status: 'pending', error: expect.stringMatching(/did not take the write/) } });
    expect(shown.features.attempts).toBeGreaterThanOrEqual(1); // the sweep retries every second meanwhile
    const manual = await fetch(`${service.url}/datasets/${id}/materialize`, { method: 'POST' });
    expect(manual.status).toBe(503);
    expect(((await manual.json()) as { message: string }).message).toMatch(/The dataset is stored; its features stay pending and the sweep retries them/);

    const occurredAt = await sendRecord('0005-AAAE', 33, `${RUN}-live`);
    const backlog = await waitFor('the record in the backlog', async () => {
      const { rows } = await db.query<{ customer_id: string; event_time_ms: string; last_error: string }>(
        `SELECT b.customer_id, b.event_time_ms::text, b.last_error FROM ingestion.feature_backlog b JOIN ingestion.datasets d ON d.id = b.dataset_id WHERE d.name = $1`,
        [`${RUN}-live`],
      );
      return rows.length === 1 ? rows[0] : undefined;
    });
    expect(backlog).toMatchObject({ customer_id: '0005-AAAE', event_time_ms: String(Date.parse(occurredAt)) });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/ingestion_features_materialization_failures_total\{source="upload",service="ingestion"\} [2-9]/);
    expect(metrics).toMatch(/ingestion_features_materialization_failures_total\{source="record",service="ingestion"\} [1-9]/);

    await startRedis(); // empty: no persistence
    const written = await waitFor('the sweep to write the pending dataset', async () => {
      const d = (await (await fetch(`${service.url}/datasets/${id}`)).json()) as { features: { status: string; error: string | null } };
      return d.features.status === 'materialized' ? d : undefined;
    });
    expect(written.features.error).toBeNull();
    const customers = LINES.slice(100, 160).map((l) => JSON.parse(l.split(',')[0]!) as string);
    const rows = (await store.getOnlineFeatures({ entityRows: customers.map((customerId) => ({ customerId })) })).rows;
    expect(rows.every((r) => r.found && r.eventTimes['customer_features_v1'] === Date.parse((during.json.dataset as { committedAt: string }).committedAt))).toBe(true);
    const record = await waitFor('the backlog record written', async () => {
      const r = await store.getFeatures('0005-AAAE');
      return r.found ? r : undefined;
    });
    expect(record.values['tenure']).toBe(33);
    expect(record.eventTimes['customer_features_v1']).toBe(Date.parse(occurredAt));
    await waitFor('an empty backlog', async () => {
      const { rows: left } = await db.query(`SELECT 1 FROM ingestion.feature_backlog b JOIN ingestion.datasets d ON d.id = b.dataset_id WHERE d.name = $1`, [`${RUN}-live`]);
      return left.length === 0 ? true : undefined;
    });
  }, 120_000);
});
