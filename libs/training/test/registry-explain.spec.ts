/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
/**
 * SHAP contributions of registry versions, end to end on the real stack (PostgreSQL, Kafka, Redis;
 * `bash deploy/local/stack.sh start`; the registry from its build, `npm run build`): the training
 * pipeline (libs/training `runTraining`) trains a gradient-boosting model and a logistic regression
 * on the Telco data; each is registered through the registry service's REST API with its ONNX model
 * and explainer artifact (`HttpModelRegistryClient.registerVersion`, as `mlops train --register-best`
 * does); serving loads them by alias from the registry (its default source, `registry.url`) and
 * answers `explain` requests. The contributions must sum with the base value to the model's margin
 * (1e-6) and equal the training process's own explainer.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfig } from '@mlops/config';
import {
  GradientBoostingClassifier,
  LogisticRegression,
  ensembleRaw,
  matrixFromRows,
  takeRows,
} from '@mlops/ml';
import { startService, type RunningService } from '@mlops/service-kit';
import { linearShapBackground } from '../src/explain/explainer-artifact.js';
import {
  buildFeatures,
  readTrainingCsv,
  runTraining,
  splitData,
  type TrainingResult,
} from '../src/pipeline.js';
import { HttpModelRegistryClient } from '../src/registry/http-model-registry.client.js';
import {
  startRegistry,
  type RegistryProcess,
} from '../../../services/registry/test/support/registry-process.js';
import { treeShapExplainer, type ServingRow } from '../../../services/serving/src/model/explainer.js';
import { servingDefinition } from '../../../services/serving/src/serving.definition.js';

const ROOT = resolve(process.cwd());
const RUN = `explain-${Date.now().toString(36)}-${process.pid}`;
const MODEL = `it-${RUN}`;
const HTTP_PORT = 44106 + (process.pid % 50);
const GRPC_PORT = 44251 + (process.pid % 50);
const config = loadConfig({ env: {}, configDir: join(ROOT, 'config') });

interface Contribution {
  feature: string;
  value: number;
}
interface ExplainedPrediction {
  probability: number;
  modelVersion: number;
  contributions: Contribution[];
  baseValue: number;
}

let registry: RegistryProcess;
let serving: RunningService;
let configDir = '';
let gbm: TrainingResult;
let lr: TrainingResult;
let rows: ServingRow[];
let trainMean: Float64Array;

async function train(model: 'xgboost' | 'logistic_regression'): Promise<TrainingResult> {
  return runTraining({
    csvPath: join(ROOT, config.data.raw_path),
    config,
    models: [model],
    tuning: { enabled: false },
    cvFolds: 0,
    shapRows: 100,
  });
}

async function explain(alias: string, batch: ServingRow[]): Promise<ExplainedPrediction[]> {
  const res = await fetch(`${serving.url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rows: batch, explain: 1000, model: { alias } }),
  });
  const json = (await res.json()) as { predictions: ExplainedPrediction[]; message?: string };
  if (res.status !== 200) throw new Error(`POST /predict answered ${res.status}: ${json.message}`);
  return json.predictions;
}

function sum(values: readonly Contribution[]): number {
  return values.reduce((s, c) => s + c.value, 0);
}

beforeAll(async () => {
  [gbm, lr] = [await train('xgboost'), await train('logistic_regression')];
  // The Telco test split's raw rows, as the training run split them, and the preprocessed training mean.
  const split = splitData(await readTrainingCsv(join(ROOT, config.data.raw_path), config), config);
  const test = split.raw.take(split.idx.test.subarray(0, 300));
  rows = Array.from({ length: test.rowCount }, (_, r) => {
    const rec = test.record(r);
    delete rec[config.data.id_column];
    delete rec[config.data.target.column];
    return rec as ServingRow;
  });
  trainMean = linearShapBackground(
    takeRows(buildFeatures(split.raw, split.idx.train, config).x, split.idx.train),
  );

  registry = await startRegistry(3990 + (process.pid % 9));
  const client = new HttpModelRegistryClient(registry.url, { actor: 'explain-test' });
  for (const [result, alias] of [
    [gbm, 'champion'],
    [lr, 'challenger'],
  ] as const) {
    const v = await client.registerVersion({
      modelName: MODEL,
      experimentName: `${MODEL}-experiment`,
      runName: `${result.best.algorithm}-${RUN}`,
      algorithm: result.best.algorithm,
      onnxBytes: result.onnx.bytes,
      sha256: result.onnx.sha256,
      explainerBytes: result.explainer.bytes,
      inputSchema: result.inputSchema,
      metrics: { roc_auc: result.best.metrics.test.rocAuc },
      threshold: result.threshold.value,
      params: { algorithm: result.best.algorithm },
    });
    await client.setAlias(MODEL, alias, v.version);
  }

  configDir = mkdtempSync(join(tmpdir(), 'mlops-serving-explain-config-'));
  cpSync(join(ROOT, 'config'), configDir, { recursive: true });
  const envFile = join(configDir, 'development.yaml');
  const doc = (parseYaml(readFileSync(envFile, 'utf8')) ?? {}) as Record<string, Record<string, unknown>>;
  doc['kafka'] = { ...(doc['kafka'] ?? {}), consumer_group_prefix: `mlops-${RUN}` };
  doc['logging'] = { level: 'warn' };
  doc['services'] = { ...(doc['services'] ?? {}), serving: { http_port: HTTP_PORT, grpc_port: GRPC_PORT } };
  doc['registry'] = { ...(doc['registry'] ?? {}), url: registry.url };
  doc['serving'] = {
    ...(doc['serving'] ?? {}),
    model_name: MODEL,
    model_alias: 'champion',
    canary: { enabled: true, challenger_alias: 'challenger', traffic_share: 0.1 },
  };
  writeFileSync(envFile, stringifyYaml(doc));
  serving = await startService(servingDefinition('0.0.0-test'), {
    env: { ...process.env, MLOPS_CONFIG_DIR: configDir },
  });
}, 300_000);

afterAll(async () => {
  await serving?.stop();
  await registry?.stop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
}, 60_000);

describe('SHAP contributions of versions loaded from the registry', () => {
  it('gradient boosting: base + contributions = the margin within 1e-6, equal to the training process explainer', async () => {
    expect(gbm.explainer.method).toBe('tree_shap');
    const { features, preprocessor } = gbm.fitted;
    const model = gbm.fitted.model as GradientBoostingClassifier;
    const ensemble = model.toEnsemble();
    const transform = (row: ServingRow): Float64Array =>
      preprocessor.transformRecord(features.applyRecord(row));
    const inProcess = treeShapExplainer(ensemble, { transform }, gbm.featureNames);
    const preds = await explain('champion', rows);
    expect(preds).toHaveLength(rows.length);
    let worstSum = 0;
    let worstEqual = 0;
    preds.forEach((p, r) => {
      expect(p.modelVersion).toBe(1);
      expect(p.contributions).toHaveLength(gbm.featureNames.length);
      worstSum = Math.max(
        worstSum,
        Math.abs(p.baseValue + sum(p.contributions) - ensembleRaw(ensemble, transform(rows[r]!))),
      );
      const want = inProcess.explain(rows[r]!, 1000);
      expect(p.contributions.map((c) => c.feature)).toEqual(want.contributions.map((c) => c.feature));
      expect(p.baseValue).toBe(want.baseValue);
      p.contributions.forEach(
        (c, i) => (worstEqual = Math.max(worstEqual, Math.abs(c.value - want.contributions[i]!.value))),
      );
    });
    expect(worstSum).toBeLessThan(1e-6);
    expect(worstEqual).toBe(0);
    // The base value is the training run's (featureImportance.baseValue: TreeSHAP's expected value).
    expect(preds[0]!.baseValue).toBe(gbm.featureImportance.baseValue);
  }, 120_000);

  it('logistic regression: exact linear SHAP (training mean as background) summing to the log-odds', async () => {
    expect(lr.explainer.method).toBe('linear_shap');
    const { features, preprocessor } = lr.fitted;
    const model = lr.fitted.model as LogisticRegression;
    const preds = await explain('challenger', rows);
    let worstSum = 0;
    let worstEqual = 0;
    preds.forEach((p, r) => {
      expect(p.modelVersion).toBe(2);
      const x = preprocessor.transformRecord(features.applyRecord(rows[r]!));
      const margin = model.decisionFunction(matrixFromRows([Array.from(x)]))[0]!;
      worstSum = Math.max(worstSum, Math.abs(p.baseValue + sum(p.contributions) - margin));
      // shap.LinearExplainer, independent features: phi_c = coef_c (x_c - mean_c).
      const byName = new Map(p.contributions.map((c) => [c.feature, c.value]));
      lr.featureNames.forEach(
        (name, c) =>
          (worstEqual = Math.max(
            worstEqual,
            Math.abs(byName.get(name)! - model.coef[c]! * (x[c]! - trainMean[c]!)),
          )),
      );
      expect(Math.abs(p.probability - 1 / (1 + Math.exp(-margin)))).toBeLessThan(1e-5);
    });
    expect(worstSum).toBeLessThan(1e-6);
    expect(worstEqual).toBe(0);
    expect(Math.abs(preds[0]!.baseValue - lr.featureImportance.baseValue)).toBeLessThan(1e-12);
  }, 120_000);

  it('top-k: the k largest |contributions| of the full explanation', async () => {
    const [full] = await explain('champion', rows.slice(0, 1));
    const res = await fetch(`${serving.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rows: rows.slice(0, 1), explain: true, topK: 3, model: { alias: 'champion' } }),
    });
    const [top] = ((await res.json()) as { predictions: ExplainedPrediction[] }).predictions;
    expect(top!.contributions).toEqual(full!.contributions.slice(0, 3));
  });
});
