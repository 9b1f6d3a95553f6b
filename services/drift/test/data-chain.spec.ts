/**
 * The data chain on the real local stack (Kafka 127.0.0.1:9092, PostgreSQL; `bash deploy/local/stack.sh
 * start`): a data-ingested event for the Telco data -> the validation service validates it (passed) ->
 * the drift service checks it against itself (no drift); a copy with two shifted columns (tenure + 24,
 * monthly_charges * 0.8) -> validated, drift detected on exactly those columns; a copy with
 * monthly_charges * 1.5 -> validation fails (total_charges >= monthly_charges for tenure >= 1, mostly
 * 0.99, no longer holds for the one-month customers).
 *
 * The validation service runs as its own process from its build (`npm run build` first; a service does
 * not import another), the drift service in this process through `startService`, both with their real
 * modules, PostgreSQL schemas, Kafka transport and HTTP clients; the ingestion service's rows endpoint (`GET /datasets/:id/rows?format=csv`,
 * not built yet) is served by a fake HTTP server here. Isolation from a running `npm start`: HTTP ports
 * 44002/44003 and consumer groups under a per-run prefix (a copy of config/ whose environment file
 * overrides kafka.consumer_group_prefix). The drift reference is set explicitly to the base dataset.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createEvent, topics } from '@mlops/contracts';
import { startService, type RunningService } from '@mlops/service-kit';
import { HttpDatasetReader } from '../src/datasets/dataset-reader.js';
import { HttpValidationGate } from '../src/datasets/validation-gate.js';
import { driftDefinition } from '../src/drift.definition.js';

const ROOT = resolve(process.cwd());
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const RUN = `chain-${Date.now().toString(36)}-${process.pid}`;
const PORTS = { validation: 44002, drift: 44003 };
const TELCO = readFileSync(join(ROOT, 'data', 'raw', 'customer_data.csv'), 'utf8');

function transform(csv: string, f: Record<string, (x: number) => number>): string {
  const lines = csv.trimEnd().split('\n');
  const header = (lines[0] as string).split(',').map((h) => h.replace(/"/g, ''));
  const idx = Object.entries(f).map(([name, fn]) => [header.indexOf(name), fn] as const);
  return [
    lines[0],
    ...lines.slice(1).map((l) => {
      const cells = l.split(',');
      for (const [i, fn] of idx) cells[i] = String(Math.round(fn(Number(cells[i])) * 1e6) / 1e6);
      return cells.join(',');
    }),
  ].join('\n');
}

const BASE = randomUUID();
const SHIFTED = randomUUID();
const BROKEN = randomUUID();
const DATA: Record<string, string> = {
  [BASE]: TELCO,
  [SHIFTED]: transform(TELCO, { tenure: (x) => x + 24, monthly_charges: (x) => x * 0.8 }),
  [BROKEN]: transform(TELCO, { monthly_charges: (x) => x * 1.5 }),
};

let ingestion: Server;
let ingestionUrl = '';
let configDir = '';
let validation: ChildProcess | undefined;
let validationLog = '';
let drift: RunningService | undefined;
const kafka = new Kafka({ clientId: `mlops-${RUN}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
let producer: Producer;
let consumer: Consumer;
const seen: { topic: string; payload: Record<string, unknown> }[] = [];

async function waitFor<T>(what: string, f: () => T | undefined, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; seen: ${JSON.stringify(seen.map((s) => s.topic))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitForAsync<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function eventFor(topic: string, datasetId: string): Record<string, unknown> | undefined {
  return seen.find((s) => s.topic === topic && s.payload['datasetId'] === datasetId)?.payload;
}

async function ingest(datasetId: string, name: string): Promise<void> {
  const event = createEvent(
    topics.dataIngested,
    {
      datasetId,
      datasetName: name,
      version: 1,
      contentHash: 'a'.repeat(64),
      rowCount: 7043,
      quarantinedCount: 0,
      columns: [{ name: 'customer_id', type: 'string' }],
      source: { kind: 'upload', fileName: `${name}.csv`, sizeBytes: (DATA[datasetId] as string).length },
      storedAt: new Date().toISOString(),
    },
    { producer: 'ingestion' },
  );
  await producer.send({
    topic: topics.dataIngested.name,
    messages: [{ key: datasetId, value: JSON.stringify(event) }],
  });
}

beforeAll(async () => {
  ingestion = createServer((req, res) => {
    const m = /^\/datasets\/([0-9a-f-]{36})\/rows\?format=csv$/.exec(req.url ?? '');
    const body = m ? DATA[m[1] as string] : undefined;
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"unknown dataset"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
    // Streamed in 64 KiB pieces, as the real endpoint streams.
    for (let i = 0; i < body.length; i += 65536) res.write(body.slice(i, i + 65536));
    res.end();
  });
  await new Promise<void>((r) => ingestion.listen(0, '127.0.0.1', r));
  const address = ingestion.address();
  ingestionUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  configDir = mkdtempSync(join(tmpdir(), 'mlops-chain-config-'));
  cpSync(join(ROOT, 'config'), configDir, { recursive: true });
  const envFile = join(configDir, 'development.yaml');
  const doc = (parseYaml(readFileSync(envFile, 'utf8')) ?? {}) as Record<string, Record<string, unknown>>;
  doc['kafka'] = { ...(doc['kafka'] ?? {}), consumer_group_prefix: `mlops-${RUN}` };
  doc['logging'] = { level: 'warn' };
  writeFileSync(envFile, stringifyYaml(doc));
  const env = {
    ...process.env,
    MLOPS_ENV: 'development',
    MLOPS_CONFIG_DIR: configDir,
    VALIDATION_HTTP_PORT: String(PORTS.validation),
    DRIFT_HTTP_PORT: String(PORTS.drift),
  };
  const write = (line: string): void => {
    // Older data-ingested events of the shared topic name datasets this fake does not serve: 404, dead-lettered.
    if (/"level":"(error|warn|fatal)"/.test(line) && !line.includes('not found at'))
      process.stderr.write(`${line}\n`);
  };
  const validationMain = join(ROOT, 'services', 'validation', 'dist', 'main.js');
  if (!existsSync(validationMain)) throw new Error(`${validationMain} is missing: run 'npm run build' first`);
  validation = spawn(process.execPath, [validationMain], {
    cwd: ROOT,
    env: { ...env, INGESTION_URL: ingestionUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer): void => {
    validationLog = (validationLog + chunk.toString('utf8')).slice(-20_000);
  };
  validation.stdout?.on('data', keep);
  validation.stderr?.on('data', keep);
  await waitForAsync(
    'the validation service to be ready',
    async () => {
      if (validation?.exitCode !== null) throw new Error(`the validation service exited: ${validationLog}`);
      const res = await fetch(`http://127.0.0.1:${PORTS.validation}/health/ready`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    60_000,
  );
  drift = await startService(
    driftDefinition('0.0.0-test', {
      datasetReader: new HttpDatasetReader(ingestionUrl),
      validationGate: new HttpValidationGate(`http://127.0.0.1:${PORTS.validation}`),
    }),
    { env, write },
  );
  const put = await fetch(`http://127.0.0.1:${PORTS.drift}/drift/reference`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ datasetId: BASE }),
  });
  expect(put.status).toBe(200);

  producer = kafka.producer();
  await producer.connect();
  consumer = kafka.consumer({ groupId: `mlops-${RUN}.observer` });
  await consumer.connect();
  await consumer.subscribe({
    topics: [
      topics.dataValidationCompleted.name,
      topics.dataDriftChecked.name,
      topics.dataDriftDetected.name,
    ],
    fromBeginning: false,
  });
  const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const envelope = JSON.parse(message.value?.toString('utf8') ?? '{}') as {
        payload?: Record<string, unknown>;
      };
      if (envelope.payload) seen.push({ topic, payload: envelope.payload });
    },
  });
  // fromBeginning false: make sure the observer has its partitions before anything is produced.
  await joined;
  await new Promise((r) => setTimeout(r, 1000));
}, 120_000);

afterAll(async () => {
  await consumer?.disconnect().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  // The explicit reference of this run names a dataset only the fake serves: leave the shared
  // `drift` schema's reference as it was for a drift service started later against the real ingestion.
  await drift?.app
    .get(DataSource)
    .query('DELETE FROM drift_references WHERE dataset_id = $1', [BASE])
    .catch(() => undefined);
  await drift?.stop();
  if (validation && validation.exitCode === null) {
    const exited = new Promise((r) => validation?.once('exit', r));
    validation.kill('SIGTERM');
    await exited;
  }
  await new Promise((r) => ingestion?.close(r));
  if (configDir) rmSync(configDir, { recursive: true, force: true });
}, 60_000);

describe('ingested -> validated -> drift-checked, on the real Kafka and PostgreSQL', () => {
  it('validates the Telco data (passed) and finds no drift against itself', async () => {
    await ingest(BASE, 'telco-customers');
    const validated = await waitFor('validation-completed (base)', () =>
      eventFor(topics.dataValidationCompleted.name, BASE),
    );
    expect(validated['passed']).toBe(true);
    const status = (await (
      await fetch(`http://127.0.0.1:${PORTS.validation}/validations/${BASE}/status`)
    ).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ state: 'passed', trainable: true });
    const checked = await waitFor('drift-checked (base)', () => eventFor(topics.dataDriftChecked.name, BASE));
    expect(checked['referenceId']).toBe(BASE);
    expect(checked['driftedShare']).toBe(0);
    const columns = checked['columns'] as { column: string; drifted: boolean }[];
    expect(columns).toHaveLength(20);
    expect(columns.filter((c) => c.drifted)).toEqual([]);
    // Stored per column, readable over REST.
    const stored = (await (await fetch(`http://127.0.0.1:${PORTS.drift}/drift/datasets/${BASE}`)).json()) as {
      columns: unknown[];
      checkId: string;
    };
    expect(stored.columns).toHaveLength(20);
    expect(stored.checkId).toBe(checked['checkId']);
    const html = await (
      await fetch(`http://127.0.0.1:${PORTS.validation}/validations/${BASE}/report.html`)
    ).text();
    expect(html).toContain('expect_column_values_to_be_unique');
  }, 120_000);

  it('detects drift on exactly the two shifted columns and emits drift-detected', async () => {
    await ingest(SHIFTED, 'telco-shifted');
    const validated = await waitFor('validation-completed (shifted)', () =>
      eventFor(topics.dataValidationCompleted.name, SHIFTED),
    );
    expect(validated['passed']).toBe(true);
    const detected = await waitFor('drift-detected (shifted)', () =>
      eventFor(topics.dataDriftDetected.name, SHIFTED),
    );
    expect((detected['driftedColumns'] as string[]).sort()).toEqual(['monthly_charges', 'tenure']);
    expect(detected['referenceId']).toBe(BASE);
    const checked = await waitFor('drift-checked (shifted)', () =>
      eventFor(topics.dataDriftChecked.name, SHIFTED),
    );
    expect(checked['checkId']).toBe(detected['checkId']);
    const metrics = await (await fetch(`http://127.0.0.1:${PORTS.drift}/metrics`)).text();
    expect(metrics).toMatch(/drift_detected\{column="tenure",service="drift"\} 1/);
    expect(metrics).toMatch(/drift_share\{service="drift"\} 0\.1\b/);
  }, 120_000);

  it('keeps served-prediction inputs from Kafka and checks a window of them (tenure + 24 drifts)', async () => {
    const rows = TELCO.trimEnd().split('\n');
    const header = (rows[0] as string).split(',').map((h) => h.replace(/"/g, ''));
    const start = Date.now() - 60_000;
    const predictions = rows.slice(1, 1001).map((line, i) => {
      const cells = line.split(',');
      const features: Record<string, string | number | null> = {};
      header.forEach((h, j) => {
        const c = cells[j] as string;
        features[h] =
          c === '' ? null : c.startsWith('"') ? c.slice(1, -1) : Number(c) + (h === 'tenure' ? 24 : 0);
      });
      return {
        requestId: randomUUID(),
        modelName: `chain-${process.pid}`,
        modelVersion: 1,
        variant: 'champion' as const,
        probability: 0.3,
        label: 0 as const,
        threshold: 0.5,
        latencyMs: 1,
        features,
        servedAt: new Date(start + i * 10).toISOString(),
      };
    });
    const batch = createEvent(
      topics.predictionServed,
      { batchId: randomUUID(), predictions },
      { producer: 'serving' },
    );
    await producer.send({
      topic: topics.predictionServed.name,
      messages: [{ key: batch.payload.batchId, value: JSON.stringify(batch) }],
    });
    const from = new Date(start).toISOString();
    const to = new Date(start + 20_000).toISOString();
    const url = `http://127.0.0.1:${PORTS.drift}/drift/windows/check?from=${from}&to=${to}&modelName=chain-${process.pid}`;
    const check = await waitForAsync('the window check', async () => {
      const res = await fetch(url, { method: 'POST' });
      return res.status === 201
        ? ((await res.json()) as { columns: { column: string; drifted: boolean }[]; window: unknown })
        : undefined;
    });
    expect(check.columns.filter((c) => c.drifted).map((c) => c.column)).toContain('tenure');
    expect(check.columns.find((c) => c.column === 'monthly_charges')?.drifted).toBe(false);
    const detected = await waitFor('drift-detected (window)', () =>
      seen.find(
        (s) =>
          s.topic === topics.dataDriftDetected.name &&
          (s.payload['window'] as { modelName?: string } | undefined)?.modelName === `chain-${process.pid}`,
      ),
    );
    expect(detected.payload['referenceId']).toBe(BASE);
  }, 120_000);

  it('fails validation for monthly_charges * 1.5 (the consistency rule) and marks it not trainable', async () => {
    await ingest(BROKEN, 'telco-broken');
    const validated = await waitFor('validation-completed (broken)', () =>
      eventFor(topics.dataValidationCompleted.name, BROKEN),
    );
    expect(validated['passed']).toBe(false);
    expect(
      (validated['failingExpectations'] as { expectationType: string }[]).map((f) => f.expectationType),
    ).toEqual(['expect_column_pair_values_a_to_be_greater_than_b']);
    const status = (await (
      await fetch(`http://127.0.0.1:${PORTS.validation}/validations/${BROKEN}/status`)
    ).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ state: 'failed', trainable: false });
  }, 120_000);
});
