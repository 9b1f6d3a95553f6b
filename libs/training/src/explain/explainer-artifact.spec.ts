import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@mlops/config';
import {
  GradientBoostingClassifier,
  LogisticRegression,
  RandomForestClassifier,
  ensembleRaw,
  matrixFromRows,
  shapBaseValue,
  shapValuesRow,
  takeLabels,
  takeRows,
  type Classifier,
  type Dataset,
} from '@mlops/ml';
import { buildFeatures, readTrainingCsv, splitData } from '../pipeline.js';
import { TrainingError } from '../training.error.js';
import {
  EXPLAINER_ARTIFACT_PATH,
  PipelineExplainer,
  createExplainerArtifact,
  encodeExplainerArtifact,
  linearShapBackground,
  linearShapRow,
  type ExplainerArtifact,
} from './explainer-artifact.js';

const here = dirname(fileURLToPath(import.meta.url));
const config = loadConfig({ env: {}, configDir: 'config' });

interface LinearFixture {
  coef: number[];
  intercept: number;
  xTrain: number[][];
  xTest: number[][];
  expectedValue: number;
  values: number[][];
  margin: number[];
}

/** The Telco pipeline of the training lib on a 30% sample: raw test records, fitted features, preprocessing. */
let raw: Dataset;
let pipeline: ReturnType<typeof buildFeatures>;
let trainRows: Int32Array;
let testRecords: Record<string, string | number | null>[];
let y: Uint8Array;

beforeAll(async () => {
  const split = splitData(await readTrainingCsv('data/raw/customer_data.csv', config), config, 0.3);
  raw = split.raw;
  y = split.y;
  trainRows = split.idx.train;
  pipeline = buildFeatures(raw, trainRows, config);
  const test = raw.take(split.idx.test.subarray(0, 120));
  testRecords = Array.from({ length: test.rowCount }, (_, r) => test.record(r));
}, 60_000);

function fitted(model: Classifier<object>): { artifact: ExplainerArtifact; explainer: PipelineExplainer } {
  const trainX = takeRows(pipeline.x, trainRows);
  model.fit(trainX, takeLabels(y, trainRows));
  const artifact = createExplainerArtifact(
    { features: pipeline.features, preprocessor: pipeline.preprocessor, model },
    trainX,
  );
  // Through the bytes the registry stores, as serving reads them.
  const json: unknown = JSON.parse(new TextDecoder().decode(encodeExplainerArtifact(artifact).bytes));
  return { artifact, explainer: PipelineExplainer.fromJSON(json) };
}

/** The in-process model columns of a raw record (the training pipeline's own objects). */
function inProcessRow(record: Record<string, string | number | null>): Float64Array {
  return pipeline.preprocessor.transformRecord(pipeline.features.applyRecord(record));
}

describe('explainer artifact of a registered version', () => {
  it('is logged beside the ONNX model', () => {
    expect(EXPLAINER_ARTIFACT_PATH).toBe('model/explainer.json');
  });

  it('gradient boosting: after the JSON round trip, TreeSHAP values equal the in-process ones bitwise and sum to the margin', () => {
    const model = new GradientBoostingClassifier({
      nEstimators: 30,
      maxDepth: 4,
      learningRate: 0.1,
      randomState: 42,
    });
    const { artifact, explainer } = fitted(model);
    expect(artifact.method).toBe('tree_shap');
    expect(explainer.featureNames).toEqual(pipeline.x.columnNames);
    const ensemble = model.toEnsemble();
    expect(explainer.baseValue).toBe(shapBaseValue(ensemble));
    for (const record of testRecords) {
      const x = inProcessRow(record);
      expect(explainer.transform(record)).toEqual(x);
      const got = explainer.explain(record);
      expect(Array.from(got.values)).toEqual(Array.from(shapValuesRow(ensemble, x).values));
      const margin = ensembleRaw(ensemble, x);
      expect(explainer.margin(record)).toBe(margin);
      expect(Math.abs(got.baseValue + got.values.reduce((a, b) => a + b, 0) - margin)).toBeLessThan(1e-9);
    }
  });

  it('random forest: the values sum to the mean probability of the trees', () => {
    const model = new RandomForestClassifier({ nEstimators: 15, maxDepth: 6, randomState: 42 });
    const { artifact, explainer } = fitted(model);
    expect(artifact.method).toBe('tree_shap');
    for (const record of testRecords.slice(0, 40)) {
      const e = explainer.explain(record);
      const p = model.predictProba(matrixFromRows([Array.from(inProcessRow(record))]))[0]!;
      expect(Math.abs(e.baseValue + e.values.reduce((a, b) => a + b, 0) - p)).toBeLessThan(1e-9);
    }
  });

  it('logistic regression: linear SHAP with the training mean; base + values = decision_function', () => {
    const model = new LogisticRegression({ C: 1 });
    const { artifact, explainer } = fitted(model);
    expect(artifact.method).toBe('linear_shap');
    const mean = linearShapBackground(takeRows(pipeline.x, trainRows));
    expect(artifact.background!.mean).toEqual(Array.from(mean));
    for (const record of testRecords) {
      const x = inProcessRow(record);
      const e = explainer.explain(record);
      const margin = model.decisionFunction(matrixFromRows([Array.from(x)]))[0]!;
      expect(Math.abs(e.baseValue + e.values.reduce((a, b) => a + b, 0) - margin)).toBeLessThan(1e-9);
      expect(Math.abs(explainer.margin(record) - margin)).toBeLessThan(1e-12);
      for (let c = 0; c < x.length; c++) expect(e.values[c]).toBe(model.coef[c]! * (x[c]! - mean[c]!));
    }
  });

  it('refuses a malformed artifact naming the field', () => {
    const { artifact } = fitted(new LogisticRegression({ C: 1 }));
    expect(() => PipelineExplainer.fromJSON(null, 'model@3')).toThrow(
      /^model@3: expected a JSON object, got null/,
    );
    expect(() => PipelineExplainer.fromJSON({ ...artifact, kind: 'onnx' })).toThrow(
      /expected kind 'pipeline-explainer' formatVersion 1/,
    );
    expect(() => PipelineExplainer.fromJSON({ ...artifact, method: 'kernel' })).toThrow(
      /method must be tree_shap or linear_shap, got kernel/,
    );
    expect(() => PipelineExplainer.fromJSON({ ...artifact, featureNames: ['a'] })).toThrow(
      /featureNames \(1\) are not the preprocessing's output columns/,
    );
    expect(() => PipelineExplainer.fromJSON({ ...artifact, background: null })).toThrow(
      /background\.mean must hold \d+ finite numbers/,
    );
    expect(() => PipelineExplainer.fromJSON({ ...artifact, method: 'tree_shap' })).toThrow(
      /the model does not load: .*gradient-boosting or random-forest/,
    );
    expect(() => PipelineExplainer.fromJSON(JSON.parse(JSON.stringify(artifact)))).not.toThrow();
  });

  it('refuses a model it cannot explain', () => {
    const other = {
      kind: 'svm',
      fit: () => other,
      predictProba: () => new Float64Array(0),
      getParams: () => ({}),
      toJSON: () => ({ kind: 'svm', formatVersion: 1, params: {}, state: null }),
    };
    expect(() =>
      createExplainerArtifact(
        { features: pipeline.features, preprocessor: pipeline.preprocessor, model: other },
        takeRows(pipeline.x, trainRows),
      ),
    ).toThrow(TrainingError);
    expect(() =>
      createExplainerArtifact(
        { features: pipeline.features, preprocessor: pipeline.preprocessor, model: other },
        matrixFromRows([[1]]),
      ),
    ).toThrow(/trainX has 1 columns, the preprocessing gives \d+/);
  });
});

describe('linear SHAP = shap.LinearExplainer (compat/shap/linear_explainer.py)', () => {
  const f = JSON.parse(readFileSync(join(here, '__fixtures__', 'linear-shap.json'), 'utf8')) as LinearFixture;
  const mean = linearShapBackground(matrixFromRows(f.xTrain));

  it('expected value and per-feature values within 1e-12, summing to decision_function', () => {
    f.xTest.forEach((x, r) => {
      const e = linearShapRow(f.coef, f.intercept, mean, x);
      expect(Math.abs(e.baseValue - f.expectedValue)).toBeLessThan(1e-12);
      e.values.forEach((v, c) => expect(Math.abs(v - f.values[r]![c]!)).toBeLessThan(1e-12));
      expect(Math.abs(e.baseValue + e.values.reduce((a, b) => a + b, 0) - f.margin[r]!)).toBeLessThan(1e-12);
    });
  });

  it('checks its arguments', () => {
    expect(() => linearShapRow([1, 2], 0, [0], [1, 2])).toThrow(/coef has 2 values, mean 1, x 2/);
    expect(() => linearShapBackground(matrixFromRows([]))).toThrow(/x has no rows/);
  });
});
