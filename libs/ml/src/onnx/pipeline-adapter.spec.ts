/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
import { resolve } from 'node:path';
import { matrixFromRows, takeLabels } from '../core/matrix.js';
import { readCsvFile } from '../data/csv.js';
import type { Dataset } from '../data/dataset.js';
import { TELCO_FEATURES, fitFeatures, type FittedFeatures } from '../features/features.js';
import { RandomForestClassifier } from '../forest/index.js';
import { GradientBoostingClassifier } from '../gbdt/gradient-boosting.js';
import { LogisticRegression } from '../linear/index.js';
import { Preprocessor, type StepSpec } from '../preprocessing/preprocessor.js';
import { stratifiedSplit } from '../split/stratified.js';
import { describePipeline, exportPipelineToOnnx } from './pipeline-adapter.js';
import { createOnnxSession, runOnnxPipeline, type RawRow } from './runtime.js';

const CSV = resolve(process.cwd(), 'data/raw/customer_data.csv');

describe('exportPipelineToOnnx: fitFeatures -> Preprocessor -> learner, every Telco row', () => {
  let ds: Dataset;
  let features: FittedFeatures;
  let pre: Preprocessor;
  let rows: RawRow[];
  let y: Uint8Array;
  let trainIdx: Int32Array;

  beforeAll(async () => {
    ds = (await readCsvFile(CSV, { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
    y = ds.labels('churn', 'Yes');
    trainIdx = stratifiedSplit(y, { testSize: 0.2, validationSize: 0.25, seed: 42 }).train;
    const train = ds.take(trainIdx);
    features = fitFeatures(TELCO_FEATURES, train);
    const derived = features.apply(train);
    const steps: StepSpec[] = [];
    for (const c of derived.schema) {
      if (c.role === 'numeric') steps.push({ column: c.name, kind: 'numeric', impute: 'median', scale: true });
      else if (c.role === 'categorical' && c.name === 'contract') steps.push({ column: c.name, kind: 'ordinal' });
      else if (c.role === 'categorical' && c.name === 'payment_method') {
        steps.push({ column: c.name, kind: 'onehot', handleUnknown: 'infrequent_if_exist', minFrequency: 1000 });
      } else if (c.role === 'categorical') steps.push({ column: c.name, kind: 'onehot' });
    }
    pre = new Preprocessor({ steps }).fit(derived);
    rows = Array.from({ length: ds.rowCount }, (_, r) => ds.record(r));
  });

  it('describes raw inputs by type, reads features from the features module and keeps the preprocessing order', () => {
    const d = describePipeline(pre, features);
    expect(d.outputs.length).toBe(pre.describe().length);
    expect(d.features).toBe(features);
    expect(d.rawColumns.find((c) => c.name === 'contract')!.type).toBe('categorical');
    expect(d.rawColumns.find((c) => c.name === 'tenure')!.type).toBe('numeric');
    for (const name of features.names) expect(d.rawColumns.some((c) => c.name === name)).toBe(false);
    expect(d.outputs.some((o) => o.kind === 'onehot' && o.category === null)).toBe(true); // infrequent column exercised
    expect(d.outputs.some((o) => o.source === 'tenure_category')).toBe(true);
  });

  it('gbdt, random forest and logistic regression: ONNX on raw rows equals predictProba(transform(apply)) within 1e-6', async () => {
    const x = pre.transform(features.apply(ds));
    const xTrain = pre.transform(features.apply(ds.take(trainIdx)));
    const yTrain = takeLabels(y, trainIdx);
    const models = [
      new GradientBoostingClassifier({ nEstimators: 60, maxDepth: 5, randomState: 7 }).fit(xTrain, yTrain),
      new RandomForestClassifier({ nEstimators: 25, maxDepth: 10, randomState: 7 }).fit(xTrain, yTrain),
      new LogisticRegression({ C: 0.5 }).fit(xTrain, yTrain),
    ];
    for (const model of models) {
      const session = await createOnnxSession(exportPipelineToOnnx({ features, preprocessor: pre, model }));
      const res = await runOnnxPipeline(session, rows);
      const want = model.predictProba(x);
      let maxErr = 0;
      for (let r = 0; r < rows.length; r++) maxErr = Math.max(maxErr, Math.abs(res.proba[r]! - want[r]!));
      expect({ model: model.kind, within1e6: maxErr < 1e-6 }).toEqual({ model: model.kind, within1e6: true });
    }
  }, 120_000);

  it('records with a missing or unseen value in every raw column follow applyRecord + transformRecord', async () => {
    // gbdt: the ordinal column gives NaN for a missing contract, which gbdt routes natively.
    const xTrain = pre.transform(features.apply(ds.take(trainIdx)));
    const model = new GradientBoostingClassifier({ nEstimators: 30, maxDepth: 4, randomState: 1 }).fit(xTrain, takeLabels(y, trainIdx));
    const session = await createOnnxSession(exportPipelineToOnnx({ features, preprocessor: pre, model }));
    const raw = describePipeline(pre, features).rawColumns;
    expect(raw.length).toBe(19);
    const probes: RawRow[] = [];
    for (const base of [rows[0]!, rows[5]!]) {
      for (const c of raw) {
        probes.push({ ...base, [c.name]: null }, { ...base, [c.name]: undefined });
        if (c.type === 'categorical') probes.push({ ...base, [c.name]: 'Never seen' });
        else probes.push({ ...base, [c.name]: -5 }, { ...base, [c.name]: 0 }, { ...base, [c.name]: 1e6 });
      }
    }
    probes.push(Object.fromEntries(raw.map((c) => [c.name, null])));
    probes.push(Object.fromEntries(raw.map((c) => [c.name, c.type === 'categorical' ? 'Never seen' : 12])));
    const res = await runOnnxPipeline(session, probes);
    const want = model.predictProba(matrixFromRows(probes.map((p) => Array.from(pre.transformRecord(features.applyRecord(p))))));
    let maxErr = 0;
    for (let r = 0; r < probes.length; r++) maxErr = Math.max(maxErr, Math.abs(res.proba[r]! - want[r]!));
    expect(maxErr).toBeLessThan(1e-6);
  });
});
