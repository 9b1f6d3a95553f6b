/**
 * The data chain on the real local stack (Kafka 127.0.0.1:9092, PostgreSQL, Redis; `bash deploy/local/stack.sh
 * start`), through the real services: data/raw/customer_data.csv uploaded over HTTP to the ingestion
 * service -> stored in PostgreSQL, data-ingested -> the validation service reads the rows back from
 * ingestion (`GET /datasets/:id/rows?format=csv`) and validates them (passed) -> validation-completed ->
 * the drift service reads the rows and checks them against themselves (no drift); a copy with two
 * shifted columns (tenure + 24, monthly_charges * 0.8) -> validated, drift detected on exactly those
 * columns; a copy with monthly_charges * 1.5 -> validation fails (total_charges >= monthly_charges for
 * tenure >= 1, mostly 0.99, no longer holds for the one-month customers) and drift skips it.
 *
 * Ingestion and validation run as their own processes from their builds (`npm run build` first; a
 * service does not import another), the drift service in this process through `startService`, all with
 * their real modules, PostgreSQL schemas, Kafka transport and HTTP clients. Isolation from a running
 * `npm start`: HTTP ports 44001/44002/44003, consumer groups under a per-run prefix (a copy of config/
 * whose environment file overrides kafka.consumer_group_prefix, started at the end of the shared topics)
 * and dataset names unique to the run.
 * The drift reference is set explicitly to the base dataset right after its upload, before the
 * validation service is started (so before drift can see a validation-completed for it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createEvent, topics } from '@mlops/contracts';
import { HttpDatasetReader, startService, type RunningService } from '@mlops/service-kit';
import { driftDefinition } from '../src/drift.definition.js';

const ROOT = resolve(process.cwd());
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const RUN = `chain-${Date.now().toString(36)}-${process.pid}`;
const PORTS = { ingestion: 44001, validation: 44002, drift: 44003 };
const INGESTION_URL = `http://127.0.0.1:${PORTS.ingestion}`;
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

const FILES = {
  base: TELCO,
  shifted: transform(TELCO, { tenure: (x) => x + 24, monthly_charges: (x) => x * 0.8 }),
  broken: transform(TELCO, { monthly_charges: (x) => x * 1.5 }),
};
/** Dataset ids given by the ingestion service on upload. */
let BASE = '';
let SHIFTED = '';
let BROKEN = '';

let configDir = '';
let serviceEnv: NodeJS.ProcessEnv = {};
const children: { name: string; process: ChildProcess; log: string }[] = [];
let drift: RunningService | undefined;
const kafka = new Kafka({ clientId: `mlops-${RUN}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
let producer: Producer;
let consumer: Consumer;
const seen: { topic: string; eventId: string; payload: Record<string, unknown> }[] = [];

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

/** Uploads a CSV to the real ingestion service; returns the stored dataset's id. */
async function upload(file: keyof typeof FILES): Promise<string> {
  const res = await fetch(`${INGESTION_URL}/datasets/${RUN}-${file}/upload`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', 'x-file-name': `${file}.csv` },
    body: FILES[file],
  });
  const json = (await res.json()) as { created?: boolean; stored?: number; dataset?: { id: string } };
  expect({ status: res.status, created: json.created, stored: json.stored }).toEqual({ status: 201, created: true, stored: 7043 });
  return (json.dataset as { id: string }).id;
}

/**
 * Commits the end offsets of the shared topics for the run's fresh consumer groups before the services
 * start: they would otherwise replay every earlier run's events from the beginning (each of them a
 * 7,043-row dataset that is real now, re-validated and re-checked), slower with every run.
 */
async function skipBacklog(groups: Readonly<Record<string, readonly string[]>>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const [groupId, groupTopics] of Object.entries(groups)) {
      for (const topic of groupTopics.filter((t) => existing.has(t))) {
        const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
        await admin.setOffsets({ groupId, topic, partitions });
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** Starts a service from its build as a child process and waits for /health/ready. */
async function spawnService(name: 'ingestion' | 'validation', env: NodeJS.ProcessEnv, port: number): Promise<void> {
  const main = join(ROOT, 'services', name, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run 'npm run build' first`);
  const child = { name, process: spawn(process.execPath, [main], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }), log: '' };
  children.push(child);
  const keep = (chunk: Buffer): void => {
    child.log = (child.log + chunk.toString('utf8')).slice(-20_000);
  };
  child.process.stdout?.on('data', keep);
  child.process.stderr?.on('data', keep);
  await waitForAsync(
    `the ${name} service to be ready`,
    async () => {
      if (child.process.exitCode !== null) throw new Error(`the ${name} service exited: ${child.log}`);
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    60_000,
  );
}

beforeAll(async () => {
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
    INGESTION_HTTP_PORT: String(PORTS.ingestion),
    VALIDATION_HTTP_PORT: String(PORTS.validation),
    DRIFT_HTTP_PORT: String(PORTS.drift),
    INGESTION_URL,
  };
  const write = (line: string): void => {
    // Older validation-completed events of the shared topic name datasets of earlier runs that no
    // longer exist (404, dead-lettered).
    if (/"level":"(error|warn|fatal)"/.test(line) && !line.includes('not found at'))
      process.stderr.write(`${line}\n`);
  };
  await skipBacklog({
    [`mlops-${RUN}.ingestion`]: [topics.dataRecord.name],
    [`mlops-${RUN}.validation`]: [topics.dataIngested.name],
    [`mlops-${RUN}.drift`]: [topics.dataValidationCompleted.name, topics.predictionServed.name],
  });
  serviceEnv = env;
  await spawnService('ingestion', env, PORTS.ingestion);
  drift = await startService(driftDefinition('0.0.0-test', { datasetReader: new HttpDatasetReader(INGESTION_URL) }), {
    env,
    write,
  });

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
        eventId?: string;
        payload?: Record<string, unknown>;
      };
      if (envelope.payload) seen.push({ topic, eventId: envelope.eventId ?? '', payload: envelope.payload });
    },
  });
  // fromBeginning false: make sure the observer has its partitions before anything is produced.
  await joined;
  await new Promise((r) => setTimeout(r, 1000));
}, 120_000);

afterAll(async () => {
  await consumer?.disconnect().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  // Leave the shared `drift` schema's reference as it was before this run.
  if (BASE !== '') {
    await drift?.app
      .get(DataSource)
      .query('DELETE FROM drift_references WHERE dataset_id = $1', [BASE])
      .catch(() => undefined);
  }
  await drift?.stop();
  for (const child of children.reverse()) {
    if (child.process.exitCode !== null) continue;
    const exited = new Promise((r) => child.process.once('exit', r));
    child.process.kill('SIGTERM');
    await exited;
  }
  if (configDir) rmSync(configDir, { recursive: true, force: true });
}, 60_000);

describe('uploaded -> stored -> validated -> drift-checked, on the real services, Kafka and PostgreSQL', () => {
  it('stores and validates the Telco data (passed) and finds no drift against itself', async () => {
    BASE = await upload('base');
    const put = await fetch(`http://127.0.0.1:${PORTS.drift}/drift/reference`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ datasetId: BASE }),
    });
    expect(put.status).toBe(200);
    // Validation starts only now (its group begins where the topic ended before the upload, so it
    // still gets this data-ingested): the reference is set before any validation-completed can reach drift.
    await spawnService('validation', serviceEnv, PORTS.validation);
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
    SHIFTED = await upload('shifted');
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

  it('fails validation for monthly_charges * 1.5 (the consistency rule), marks it not trainable, and drift skips it', async () => {
    BROKEN = await upload('broken');
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
    // Drift consumed that validation-completed (its dedupe row) and stored no check for it.
    const eventId = seen.find((e) => e.topic === topics.dataValidationCompleted.name && e.payload['datasetId'] === BROKEN)?.eventId;
    const dataSource = (drift as RunningService).app.get(DataSource);
    await waitForAsync('drift to consume validation-completed (broken)', async () => {
      const rows = (await dataSource.query('SELECT 1 FROM messaging_processed_events WHERE event_id = $1', [eventId])) as unknown[];
      return rows.length > 0 ? true : undefined;
    });
    expect((await fetch(`http://127.0.0.1:${PORTS.drift}/drift/datasets/${BROKEN}`)).status).toBe(404);
    expect(eventFor(topics.dataDriftChecked.name, BROKEN)).toBeUndefined();
  }, 120_000);
});
