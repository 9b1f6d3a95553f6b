/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
/**
 * Written when data is ingested, read when serving: the ingestion and serving services booted in
 * this process on the real stack (Kafka, PostgreSQL, Redis; `npm run stack -- start`), sharing a
 * feature-store key prefix of this run. The Telco CSV is uploaded to ingestion; serving, given only
 * `{ customerId }`, reads the customer's raw columns from Redis and must answer what the
 * in-process pipeline computes from the CSV row (1e-5, the ONNX float32 output).
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  GradientBoostingClassifier,
  Preprocessor,
  TELCO_FEATURES,
  describePipeline,
  exportPipelineToOnnx,
  fitFeatures,
  readCsvFile,
  stratifiedSplit,
  type StepSpec,
} from '@mlops/ml';
import { startService, type RunningService } from '@mlops/service-kit';
import { ingestionDatabase } from '../../../services/ingestion/src/ingestion.database.js';
import { ingestionManifest } from '../../../services/ingestion/src/ingestion.manifest.js';
import { IngestionModule } from '../../../services/ingestion/src/ingestion.module.js';
import { FileModelSource } from '../../../services/serving/src/model/model-source.js';
import { servingDefinition } from '../../../services/serving/src/serving.definition.js';
import { deleteKeys } from './redis-test-helpers.js';

const ROOT = resolve(process.cwd());
const CSV = join(ROOT, 'data/raw/customer_data.csv');
const RUN = `its${Date.now().toString(36)}${process.pid}`;
const PREFIX = `mlops:test:${RUN}:customer:`;
const MODEL = `it-${RUN}`;
const INGESTION_PORT = 44301 + (process.pid % 300);
const SERVING_PORT = 44601 + (process.pid % 300);

let ingestion: RunningService;
let serving: RunningService;
let configDir = '';
let modelDir = '';
let testIds: string[];
let expected: Float64Array;

beforeAll(async () => {
  // A model trained here on the Telco training split: features, preprocessing, boosting, ONNX.
  const ds = (await readCsvFile(CSV, { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
  const y = ds.labels('churn', 'Yes');
  const idx = stratifiedSplit(y, { testSize: 0.2, seed: 42 });
  const train = ds.take(idx.train);
  const features = fitFeatures(TELCO_FEATURES, train);
  const derived = features.apply(train);
  const steps: StepSpec[] = derived.schema.flatMap((c): StepSpec[] =>
    c.role === 'numeric' ? [{ column: c.name, kind: 'numeric', impute: 'median', scale: true }] : c.role === 'categorical' ? [{ column: c.name, kind: 'onehot' }] : [],
  );
  const pre = new Preprocessor({ steps }).fit(derived);
  const model = new GradientBoostingClassifier({ nEstimators: 40, maxDepth: 3, learningRate: 0.1, randomState: 42 }).fit(pre.transform(derived), Uint8Array.from(idx.train, (i) => y[i]!));
  const test = ds.take(idx.test.subarray(0, 300));
  expected = model.predictProba(pre.transform(features.apply(test)));
  testIds = Array.from({ length: test.rowCount }, (_, r) => test.value('customer_id', r) as string);
  modelDir = mkdtempSync(join(tmpdir(), 'mlops-ingest-serve-model-'));
  writeFileSync(join(modelDir, 'champion.onnx'), exportPipelineToOnnx({ features, preprocessor: pre, model }));
  const inputSchema = describePipeline(pre, features).rawColumns.map((c) => ({ name: c.name, type: c.type === 'numeric' ? 'float' : 'string' }));
  writeFileSync(join(modelDir, 'champion.json'), JSON.stringify({ name: MODEL, version: 1, threshold: 0.5, inputSchema }));

  // One config for both services: this run's key prefix, consumer groups and ports.
  configDir = mkdtempSync(join(tmpdir(), 'mlops-ingest-serve-config-'));
  for (const file of readdirSync(join(ROOT, 'config'))) {
    if (statSync(join(ROOT, 'config', file)).isFile()) copyFileSync(join(ROOT, 'config', file), join(configDir, file));
  }
  const envFile = join(configDir, `${process.env['MLOPS_ENV'] || 'development'}.yaml`);
  const doc = (parseYaml(readFileSync(envFile, 'utf8')) ?? {}) as Record<string, Record<string, unknown>>;
  doc['kafka'] = { ...(doc['kafka'] ?? {}), consumer_group_prefix: `mlops-${RUN}`, auto_offset_reset: 'latest' };
  doc['logging'] = { level: 'error' };
  doc['services'] = { ...(doc['services'] ?? {}), serving: { http_port: SERVING_PORT, grpc_port: SERVING_PORT + 1000 } };
  doc['serving'] = { ...(doc['serving'] ?? {}), model_name: MODEL, model_alias: 'champion' };
  doc['features'] = { ...(doc['features'] ?? {}), online_store: { type: 'redis', key_prefix: PREFIX, ttl_seconds: 3600, feature_view: 'customer_features_v1' } };
  writeFileSync(envFile, stringifyYaml(doc));
  const env = { ...process.env, MLOPS_CONFIG_DIR: configDir, INGESTION_HTTP_PORT: String(INGESTION_PORT) };
  ingestion = await startService(
    { name: 'ingestion', version: '0.0.0-test', module: IngestionModule, uses: { postgres: ingestionDatabase, redis: true }, manifest: ingestionManifest },
    { env, write: () => undefined },
  );
  serving = await startService(servingDefinition('0.0.0-test', { source: new FileModelSource({ champion: join(modelDir, 'champion.onnx') }) }), { env, write: () => undefined });
}, 180_000);

afterAll(async () => {
  await serving?.stop();
  await ingestion?.stop();
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  await deleteKeys(redis, PREFIX);
  redis.disconnect();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
  if (modelDir) rmSync(modelDir, { recursive: true, force: true });
}, 60_000);

describe('ingested customers are served by customer_id', () => {
  it('before the upload serving answers 404; after it, the same probabilities as the in-process pipeline', async () => {
    const predict = (body: unknown): Promise<Response> =>
      fetch(`${serving.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const missing = await predict({ customerId: testIds[0] });
    expect(missing.status).toBe(404);

    const upload = await fetch(`${ingestion.url}/datasets/${RUN}-telco/upload`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: readFileSync(CSV) });
    expect(upload.status).toBe(201);
    expect(((await upload.json()) as { features: unknown }).features).toMatchObject({ status: 'materialized', rows: 7043 });

    const one = await predict({ customerId: testIds[0] });
    expect(one.status).toBe(200);
    expect(Math.abs(((await one.json()) as { probability: number }).probability - expected[0]!)).toBeLessThan(1e-5);
    const res = await predict({ rows: testIds.map((customerId) => ({ customerId })) });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: { probability: number; modelVersion: number }[] };
    expect(predictions).toHaveLength(testIds.length);
    let worst = 0;
    predictions.forEach((p, i) => (worst = Math.max(worst, Math.abs(p.probability - expected[i]!))));
    expect(worst).toBeLessThan(1e-5);
  }, 120_000);
});
