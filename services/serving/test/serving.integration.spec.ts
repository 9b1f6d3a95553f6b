/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
/**
 * The serving service on the real local stack (Kafka 127.0.0.1:9092, Redis 127.0.0.1:6379;
 * `bash deploy/local/stack.sh start`), booted in this process by `startService` with its real module,
 * Kafka transport and Redis. Two gradient-boosting pipelines are trained here on the Telco train split
 * (libs/ml), exported with `exportPipelineToOnnx` and served from files (`FileModelSource`):
 * v1 as champion, v2 as challenger. Isolation from a running `npm start`: ports 44006 / 44051, a
 * per-run consumer group prefix and feature-store key prefix (a copy of config/).
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createEvent, predictionProtoPath, protoLoaderOptions, topics } from '@mlops/contracts';
import { FeatureStore, customerFeatureViewFromDataset, materializeCustomers } from '@mlops/feature-store';
import { registerSnappyCodec } from '@mlops/messaging';
import {
  GradientBoostingClassifier,
  Preprocessor,
  TELCO_FEATURES,
  describePipeline,
  exportPipelineToOnnx,
  fitFeatures,
  readCsvFile,
  stratifiedSplit,
  type Dataset,
  type FittedFeatures,
  type StepSpec,
} from '@mlops/ml';
import { startService, type RunningService } from '@mlops/service-kit';
import { treeShapExplainer, type ModelExplainer } from '../src/model/explainer.js';
import { FileModelSource } from '../src/model/model-source.js';
import { ModelManager } from '../src/model/model-manager.service.js';
import { servingDefinition } from '../src/serving.definition.js';

const ROOT = resolve(process.cwd());
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const RUN = `serving-${Date.now().toString(36)}-${process.pid}`;
const HTTP_PORT = 44006;
const GRPC_PORT = 44051;
const CANARY_SHARE = 0.1;
/** A model name of this run only: its promotion events on the shared topic concern no other serving instance. */
const MODEL = `it-${RUN}`;
const KEY_PREFIX = `mlops:test:${RUN}:customer:`;

interface Trained {
  bytes: Uint8Array;
  features: FittedFeatures;
  pre: Preprocessor;
  model: GradientBoostingClassifier;
  testProba: Float64Array;
  explainer: ModelExplainer;
}

let ds: Dataset;
let testDs: Dataset;
let testRows: Record<string, number | string | null>[];
let v1: Trained;
let v2: Trained;
let dir = '';
let configDir = '';
let serving: RunningService;
let url = '';
let grpcClient: grpc.Client & Record<string, grpc.MethodDefinition<unknown, unknown> & ((req: unknown, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void)>;
// The service publishes prediction-served with snappy (serving.prediction_events.compression); this
// bare client reads it with the platform's codec.
registerSnappyCodec();
const kafka = new Kafka({ clientId: `mlops-${RUN}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
let producer: Producer;
let consumer: Consumer;
const served = new Map<string, { variant: string; modelVersion: number }[]>();
let redis: Redis;

function train(train: Dataset, y: Uint8Array, nEstimators: number, maxDepth: number): Omit<Trained, 'testProba' | 'explainer'> & { explainer: ModelExplainer } {
  const features = fitFeatures(TELCO_FEATURES, train);
  const derived = features.apply(train);
  const steps: StepSpec[] = [];
  for (const c of derived.schema) {
    if (c.role === 'numeric') steps.push({ column: c.name, kind: 'numeric', impute: 'median', scale: true });
    else if (c.role === 'categorical') steps.push({ column: c.name, kind: 'onehot' });
  }
  const pre = new Preprocessor({ steps }).fit(derived);
  const x = pre.transform(derived);
  const model = new GradientBoostingClassifier({ nEstimators, maxDepth, learningRate: 0.1, randomState: 42 }).fit(x, y);
  const bytes = exportPipelineToOnnx({ features, preprocessor: pre, model });
  const explainer = treeShapExplainer(model.toEnsemble(), { transform: (row) => pre.transformRecord(features.applyRecord(row)) }, x.columnNames);
  return { bytes, features, pre, model, explainer };
}

function writeModel(path: string, t: Trained, version: number): void {
  const inputSchema = describePipeline(t.pre, t.features).rawColumns.map((c) => ({ name: c.name, type: c.type === 'numeric' ? 'float' : 'string' }));
  // Written beside and renamed, so a reader never sees half a file.
  writeFileSync(`${path}.tmp`, t.bytes);
  writeFileSync(`${path.replace(/\.onnx$/, '')}.json.tmp`, JSON.stringify({ name: MODEL, version, threshold: 0.35, inputSchema }));
  renameSync(`${path.replace(/\.onnx$/, '')}.json.tmp`, `${path.replace(/\.onnx$/, '')}.json`);
  renameSync(`${path}.tmp`, path);
}

async function post(body: unknown, query = ''): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/predict${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function grpcCall(method: 'Predict' | 'PredictBatch', request: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolveCall, reject) =>
    (grpcClient[method] as unknown as (req: unknown, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void).call(grpcClient, request, (e, r) => (e ? reject(e) : resolveCall(r as Record<string, unknown>))),
  );
}

async function waitFor(what: string, f: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  ds = (await readCsvFile(join(ROOT, 'data/raw/customer_data.csv'), { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
  const y = ds.labels('churn', 'Yes');
  const idx = stratifiedSplit(y, { testSize: 0.2, seed: 42 });
  const trainDs = ds.take(idx.train);
  const yTrain = Uint8Array.from(idx.train, (i) => y[i]!);
  testDs = ds.take(idx.test);
  testRows = Array.from({ length: testDs.rowCount }, (_, r) => {
    const rec = testDs.record(r);
    delete rec['customer_id'];
    delete rec['churn'];
    return rec;
  });
  const withProba = (t: ReturnType<typeof train>): Trained => ({ ...t, testProba: t.model.predictProba(t.pre.transform(t.features.apply(testDs))) });
  v1 = withProba(train(trainDs, yTrain, 40, 3));
  v2 = withProba(train(trainDs, yTrain, 15, 2));

  dir = mkdtempSync(join(tmpdir(), 'mlops-serving-'));
  writeModel(join(dir, 'champion.onnx'), v1, 1);
  writeModel(join(dir, 'challenger.onnx'), v2, 2);

  configDir = mkdtempSync(join(tmpdir(), 'mlops-serving-config-'));
  cpSync(join(ROOT, 'config'), configDir, { recursive: true });
  const envFile = join(configDir, 'development.yaml');
  const doc = (parseYaml(readFileSync(envFile, 'utf8')) ?? {}) as Record<string, Record<string, unknown>>;
  doc['kafka'] = { ...(doc['kafka'] ?? {}), consumer_group_prefix: `mlops-${RUN}` };
  doc['logging'] = { level: process.env['SERVING_TEST_LOG'] ?? 'warn' };
  doc['services'] = { ...(doc['services'] ?? {}), serving: { http_port: HTTP_PORT, grpc_port: GRPC_PORT } };
  const servingDoc = (doc['serving'] ?? {}) as Record<string, unknown>;
  doc['serving'] = {
    ...servingDoc,
    model_name: MODEL,
    canary: { enabled: true, challenger_alias: 'challenger', traffic_share: CANARY_SHARE },
    prediction_events: { max_batch: 500, flush_interval_ms: 200 },
  };
  const features = (doc['features'] ?? {}) as Record<string, unknown>;
  doc['features'] = { ...features, online_store: { type: 'redis', key_prefix: KEY_PREFIX, ttl_seconds: 3600, feature_view: 'customer_features_v1' } };
  writeFileSync(envFile, stringifyYaml(doc));

  // Some test customers in the online store, materialized with the training feature code.
  redis = new Redis(REDIS_URL, { lazyConnect: false });
  const store = new FeatureStore(redis, { keyPrefix: KEY_PREFIX, views: [customerFeatureViewFromDataset('customer_features_v1', testDs, v1.features)], defaultView: 'customer_features_v1' });
  await materializeCustomers(store, testDs.take(Int32Array.from({ length: 200 }, (_, i) => i)), v1.features, { eventTime: Date.now() });

  producer = kafka.producer();
  await producer.connect();
  // On a fresh broker the topic may not exist yet: create it (idempotent) before subscribing.
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [topics.predictionServed.name, topics.modelPromoted.name].map((topic) => ({ topic, numPartitions: 3 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  consumer = kafka.consumer({ groupId: `mlops-${RUN}.observer` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.predictionServed.name, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(message.value!.toString()) as { payload: { predictions: { requestId: string; variant: string; modelVersion: number }[] } };
      for (const p of event.payload.predictions) {
        const list = served.get(p.requestId) ?? [];
        list.push({ variant: p.variant, modelVersion: p.modelVersion });
        served.set(p.requestId, list);
      }
    },
  });

  serving = await startService(
    servingDefinition('0.0.0-test', {
      source: new FileModelSource({ champion: join(dir, 'champion.onnx'), challenger: join(dir, 'challenger.onnx') }),
      explainers: new Map([[`${MODEL}@1`, v1.explainer], [`${MODEL}@2`, v2.explainer]]),
      releaseDelayMs: 2000,
    }),
    { env: { ...process.env, MLOPS_CONFIG_DIR: configDir } },
  );
  url = serving.url;
  const pkg = grpc.loadPackageDefinition(loadSync(predictionProtoPath, { ...protoLoaderOptions })) as unknown as { mlops: { serving: { v1: { PredictionService: grpc.ServiceClientConstructor } } } };
  grpcClient = new pkg.mlops.serving.v1.PredictionService(`127.0.0.1:${GRPC_PORT}`, grpc.credentials.createInsecure()) as typeof grpcClient;
}, 240_000);

afterAll(async () => {
  grpcClient?.close();
  await serving?.stop();
  await consumer?.disconnect();
  await producer?.disconnect();
  if (redis) {
    const keys = await redis.keys(`${KEY_PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (configDir) rmSync(configDir, { recursive: true, force: true });
}, 60_000);

describe('serving on the real stack', () => {
  it('answers like the in-process pipeline on every Telco test row, REST (batches) within 1e-5', async () => {
    let worst = 0;
    for (let start = 0; start < testRows.length; start += 500) {
      const rows = testRows.slice(start, start + 500);
      const { status, json } = await post({ rows, model: { alias: 'champion' } });
      expect(status).toBe(200);
      const preds = json['predictions'] as { probability: number; label: number; modelVersion: number; variant: string; threshold: number }[];
      expect(preds).toHaveLength(rows.length);
      preds.forEach((p, j) => {
        const expected = v1.testProba[start + j]!;
        worst = Math.max(worst, Math.abs(p.probability - expected));
        expect(p.label).toBe(p.probability >= 0.35 ? 1 : 0);
        expect(p.modelVersion).toBe(1);
        expect(p.variant).toBe('champion');
      });
    }
    expect(worst).toBeLessThan(1e-5);
  }, 120_000);

  it('answers the same over gRPC (single rows and one batch) within 1e-5', async () => {
    const toMsg = (row: Record<string, number | string | null>) => ({
      values: Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? { null_value: 'NULL_VALUE' } : typeof v === 'number' ? { number_value: v } : { string_value: v }])),
    });
    let worst = 0;
    for (let r = 0; r < 200; r++) {
      const res = await grpcCall('Predict', { input: { features: toMsg(testRows[r]!) }, model: { alias: 'champion' } });
      worst = Math.max(worst, Math.abs((res['probability'] as number) - v1.testProba[r]!));
      expect(res['model_version']).toBe(1);
      expect(res['variant']).toBe('VARIANT_CHAMPION');
    }
    const batch = await grpcCall('PredictBatch', { inputs: testRows.map((row) => ({ features: toMsg(row) })).slice(0, 1000), model: { alias: 'champion' } });
    (batch['predictions'] as { probability: number }[]).forEach((p, r) => (worst = Math.max(worst, Math.abs(p.probability - v1.testProba[r]!))));
    expect(worst).toBeLessThan(1e-5);
    await expect(grpcCall('Predict', { input: { features: toMsg({ ...testRows[0]!, tenure: 'x' }) } })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^input\.features\.tenure: expected a finite number or null/) });
  }, 120_000);

  it('reads customers from the Redis feature store and predicts as from their raw columns', async () => {
    const ids = Array.from({ length: 50 }, (_, r) => testDs.value('customer_id', r) as string);
    const { status, json } = await post({ rows: ids.map((customerId) => ({ customerId })), model: { alias: 'champion' } });
    expect(status).toBe(200);
    (json['predictions'] as { probability: number }[]).forEach((p, r) => expect(Math.abs(p.probability - v1.testProba[r]!)).toBeLessThan(1e-5));
    const missing = await post({ customerId: 'no-such-customer' });
    expect(missing.status).toBe(404);
    expect(missing.json['message']).toMatch(/customer 'no-such-customer' has no features/);
  });

  it('explains with TreeSHAP: top-k by |value|, and base value + all contributions = the margin', async () => {
    const row = testRows[3]!;
    const top = await post({ customer: row, model: { alias: 'champion' } }, '?explain=3');
    expect(top.status).toBe(200);
    const c = top.json['contributions'] as { feature: string; value: number }[];
    expect(c).toHaveLength(3);
    expect(Math.abs(c[0]!.value)).toBeGreaterThanOrEqual(Math.abs(c[2]!.value));
    const all = await post({ customer: row, model: { alias: 'champion' }, explain: 1000 });
    const sum = (all.json['contributions'] as { value: number }[]).reduce((s, x) => s + x.value, all.json['baseValue'] as number);
    const p = all.json['probability'] as number;
    expect(Math.abs(sum - Math.log(p / (1 - p)))).toBeLessThan(1e-4);
  });

  it('rejects bad input with 400 naming the field, and bodies over the limit with 413', async () => {
    const bad = await post({ rows: [testRows[0], { ...testRows[1], monthly_charges: 'NaN' }] });
    expect(bad.status).toBe(400);
    expect(bad.json['message']).toBe('rows[1].monthly_charges: expected a finite number or null, got the string "NaN" (NaN and Infinity are not accepted; send null for a missing value)');
    expect(bad.json['field']).toBe('rows[1].monthly_charges');
    const unknown = await post({ customer: { ...testRows[0], favourite_colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json['message']).toMatch(/^customer\.favourite_colour: unknown column/);
    const { tenure: _t, ...noTenure } = testRows[0]!;
    expect((await post({ customer: noTenure })).json['message']).toBe('customer.tenure: missing column; send null for a missing value');
    const tooMany = await post({ rows: Array.from({ length: 1001 }, () => testRows[0]) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json['message']).toBe('rows: 1001 rows, at most 1000 per request (serving.max_batch_size)');
    const huge = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customer: { ...testRows[0], pad: 'x'.repeat(6 * 1024 * 1024) } }) });
    expect(huge.status).toBe(413);
    // The two doors of POST /predict (the fast path for the ordinary request, Fastify's route for the
    // rest: here a chunked body and an upper-case charset) answer alike, errors included.
    const raw = (body: string, headers: Record<string, string>, chunked = false): Promise<Response> =>
      fetch(`${url}/predict`, {
        method: 'POST',
        headers,
        body: chunked ? new Blob([body]).stream() : body,
        ...(chunked ? { duplex: 'half' } : {}),
      } as RequestInit);
    const customer = JSON.stringify({ customer: testRows[0], requestId: '00000000-0000-4000-8000-000000000001' });
    const viaFast = await raw(customer, { 'content-type': 'application/json' });
    const viaFastify = await raw(customer, { 'content-type': 'application/json; charset=UTF-8' }, true);
    expect([viaFast.status, viaFastify.status]).toEqual([200, 200]);
    expect(viaFast.headers.get('content-type')).toBe(viaFastify.headers.get('content-type'));
    expect(await viaFast.json()).toEqual(await viaFastify.json());
    const bom = await raw(`\ufeff${customer}`, { 'content-type': 'application/json' });
    expect(bom.status).toBe(200);
    for (const [body, status] of [
      ['{"customer": ', 400],
      ['[1, 2]', 400],
      [JSON.stringify({ customer: { ...testRows[0], __proto__x: 1 } }), 400],
    ] as const) {
      const a = await raw(body, { 'content-type': 'application/json' });
      const b = await raw(body, { 'content-type': 'application/json; charset=UTF-8' }, true);
      expect([a.status, b.status]).toEqual([status, status]);
      expect(await a.json()).toEqual(await b.json());
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/serving_requests_total\{[^}]*route="rest"[^}]*model_version="1"[^}]*status="ok"[^}]*\} \d+/);
    expect(metrics).toMatch(/serving_request_duration_seconds_bucket\{[^}]*route="grpc_predict"/);
  });

  it(`routes ${CANARY_SHARE * 100}% of 10,000 requests to the challenger (within 2 points), and publishes every prediction to Kafka`, async () => {
    const ids: { id: string; variant: string; version: number }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 10_000) {
          const i = next++;
          const { status, json } = await post({ customer: testRows[i % testRows.length] });
          expect(status).toBe(200);
          ids.push({ id: json['requestId'] as string, variant: json['variant'] as string, version: json['modelVersion'] as number });
        }
      }),
    );
    const challenger = ids.filter((x) => x.variant === 'challenger');
    expect(Math.abs(challenger.length / ids.length - CANARY_SHARE)).toBeLessThan(0.02);
    expect(challenger.every((x) => x.version === 2)).toBe(true);
    await waitFor('the prediction-served events of all 10,000 requests', () => ids.every((x) => served.has(x.id)), 60_000);
    expect(ids.every((x) => served.get(x.id)![0]!.variant === x.variant)).toBe(true);
  }, 180_000);

  it('swaps the champion on a model-promoted event during load: zero failed requests, no mixed versions in a batch', async () => {
    const results: { startedAt: number; versions: number[] }[] = [];
    const failures: string[] = [];
    let stop = false;
    let firstV3At = Infinity;
    const batch = testRows.slice(0, 20);
    const load = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!stop) {
          const startedAt = performance.now();
          try {
            const { status, json } = await post({ rows: batch, model: { alias: 'champion' } });
            if (status !== 200) failures.push(`${status} ${JSON.stringify(json)}`);
            else {
              const versions = (json['predictions'] as { modelVersion: number }[]).map((p) => p.modelVersion);
              results.push({ startedAt, versions });
              if (versions[0] === 3) firstV3At = Math.min(firstV3At, performance.now());
            }
          } catch (e) {
            failures.push(String(e));
          }
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    // The new version's files, then the registry's promotion event.
    writeModel(join(dir, 'champion.onnx'), v2, 3);
    const promotedAt = performance.now();
    const event = createEvent(
      topics.modelPromoted,
      { modelName: MODEL, version: 3, fromStage: 'Staging', toStage: 'Production', alias: 'champion', promotedBy: 'serving-test', reason: 'swap under load' },
      { producer: 'registry' },
    );
    await producer.send({ topic: topics.modelPromoted.name, messages: [{ key: MODEL, value: JSON.stringify(event) }] });
    await waitFor('version 3 answering', () => firstV3At < Infinity, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await load;
    expect(failures).toEqual([]);
    expect(firstV3At - promotedAt).toBeLessThan(5000);
    for (const r of results) expect(new Set(r.versions).size).toBe(1);
    // A request that started after version 3 first answered is answered by version 3.
    expect(results.filter((r) => r.startedAt > firstV3At).every((r) => r.versions[0] === 3)).toBe(true);
    expect(results.some((r) => r.versions[0] === 1)).toBe(true);
    const manager = serving.app.get(ModelManager);
    expect(manager.slots.snapshot.champion!.metadata.version).toBe(3);
    // The new champion is v2's pipeline: its answers are v2's.
    const { json } = await post({ rows: testRows.slice(0, 100), model: { alias: 'champion' } });
    (json['predictions'] as { probability: number }[]).forEach((p, r) => expect(Math.abs(p.probability - v2.testProba[r]!)).toBeLessThan(1e-5));
  }, 60_000);
});
