/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
import { resolve } from 'node:path';
import { matrixFromRows, takeLabels, takeRows } from '../core/matrix.js';
import { Rng } from '../core/random.js';
import { RandomForestClassifier } from '../forest/index.js';
import { GradientBoostingClassifier } from '../gbdt/gradient-boosting.js';
import { LogisticRegression } from '../linear/index.js';
import { readCsvFile } from '../data/csv.js';
import type { Dataset } from '../data/dataset.js';
import { ensembleProba, sigmoid, type Tree, type TreeEnsemble } from '../trees/tree.js';
import { exportLogisticRegressionToOnnx } from './linear-export.js';
import {
  exportPipelineDescriptionToOnnx,
  type DerivedFeatureSpec,
  type OutputColumnSpec,
  type PipelineDescription,
  type RawColumnSpec,
} from './pipeline-export.js';
import { createOnnxSession, runOnnxPipeline, type RawRow } from './runtime.js';

const CSV = resolve(process.cwd(), 'data/raw/customer_data.csv');

/**
 * Independent plain-JS reading of a PipelineDescription (the semantics documented on its types),
 * used as the in-process side until the preprocessing module's own transform is wired in.
 */
function referenceTransform(d: PipelineDescription, row: RawRow): Float64Array {
  const v = new Map<string, number | string | null>();
  for (const c of d.rawColumns) {
    const x = row[c.name];
    v.set(c.name, c.type === 'numeric' ? (x === null || x === undefined ? Number.NaN : Number(x)) : x === null || x === undefined ? null : String(x));
  }
  const num = (n: string): number => v.get(n) as number;
  for (const f of d.derived) {
    if (f.kind === 'product') v.set(f.name, num(f.left) * num(f.right));
    else if (f.kind === 'ratio') v.set(f.name, num(f.numerator) / (num(f.denominator) + f.offset));
    else if (f.kind === 'flag') v.set(f.name, v.get(f.categorical.column) === f.categorical.equals && num(f.numeric.column) > f.numeric.greaterThan ? 1 : 0);
    else {
      const x = num(f.source);
      let label: string | null = null;
      for (let j = 0; j < f.labels.length; j++) if (x > f.edges[j]! && x <= f.edges[j + 1]!) label = f.labels[j]!;
      v.set(f.name, label);
    }
  }
  return Float64Array.from(d.outputs, (o) => {
    if (o.kind === 'numeric') {
      let x = num(o.source);
      if (Number.isNaN(x) && o.impute !== undefined) x = o.impute;
      return o.scale ? (x - o.scale.mean) / o.scale.std : x;
    }
    const c = (v.get(o.source) as string | null) ?? o.imputeCategory ?? null;
    if (o.kind === 'onehot') return c === o.category ? 1 : 0;
    const k = c === null ? -1 : o.categories.indexOf(c);
    return k < 0 ? o.unknownValue : k;
  });
}

function median(a: Float64Array): number {
  const s = Array.from(a).filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A Telco-like fitted description: the seed's derived features, median imputation, standard scaling, one-hot. */
function telcoDescription(ds: Dataset): PipelineDescription {
  const rawColumns: RawColumnSpec[] = ds.schema
    .filter((c) => c.role === 'numeric' || c.role === 'categorical')
    .map((c) => ({ name: c.name, type: c.type }));
  const derived: DerivedFeatureSpec[] = [
    { kind: 'bins', name: 'tenure_category', source: 'tenure', edges: [0, 12, 24, 48, Infinity], labels: ['New', 'Medium', 'Long', 'Very_Long'] },
    { kind: 'product', name: 'total_amount', left: 'tenure', right: 'monthly_charges' },
    { kind: 'ratio', name: 'avg_monthly_charges', numerator: 'monthly_charges', denominator: 'tenure', offset: 1 },
    {
      kind: 'flag',
      name: 'is_high_risk',
      categorical: { column: 'contract', equals: 'Month-to-month' },
      numeric: { column: 'monthly_charges', greaterThan: median(ds.numeric('monthly_charges')) },
    },
  ];
  const outputs: OutputColumnSpec[] = [];
  const rows = Array.from({ length: ds.rowCount }, (_, r) => ds.record(r));
  for (const c of rawColumns.filter((c) => c.type === 'numeric').map((c) => c.name).concat(['total_amount', 'avg_monthly_charges', 'is_high_risk'])) {
    const values = Float64Array.from(rows, (r) => referenceTransform({ rawColumns, derived, outputs: [{ kind: 'numeric', source: c }] }, r)[0]!);
    const impute = median(values);
    const filled = values.map((x) => (Number.isNaN(x) ? impute : x));
    const mean = filled.reduce((a, b) => a + b, 0) / filled.length;
    const std = Math.sqrt(filled.reduce((a, b) => a + (b - mean) ** 2, 0) / filled.length);
    outputs.push({ kind: 'numeric', source: c, impute, scale: { mean, std } });
  }
  for (const c of rawColumns.filter((c) => c.type === 'categorical')) {
    for (const cat of ds.categorical(c.name).categories) outputs.push({ kind: 'onehot', source: c.name, category: cat, imputeCategory: 'No' });
  }
  for (const cat of ['New', 'Medium', 'Long', 'Very_Long']) outputs.push({ kind: 'onehot', source: 'tenure_category', category: cat });
  outputs.push({ kind: 'ordinal', source: 'contract', categories: ['Month-to-month', 'One year', 'Two year'], unknownValue: -1 });
  return { rawColumns, derived, outputs };
}

/**
 * A random ensemble over the transformed features whose thresholds are actual transformed values
 * (the hardest case for 'le': x == t) or midpoints between two of them.
 */
function dataEnsemble(x: Float64Array[], rule: 'lt' | 'le', seed: number, nTrees: number, depth: number): TreeEnsemble {
  const rng = new Rng(seed);
  const nF = x[0]!.length;
  const trees: Tree[] = [];
  for (let t = 0; t < nTrees; t++) {
    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const dl: number[] = [];
    const value: number[] = [];
    const grow = (d: number): number => {
      const id = feature.length;
      feature.push(-1), threshold.push(0), left.push(-1), right.push(-1), dl.push(0), value.push((rng.nextFloat() - 0.5) * 0.4);
      if (d === depth) return id;
      const f = rng.nextInt(nF);
      const a = x[rng.nextInt(x.length)]![f]!;
      const b = x[rng.nextInt(x.length)]![f]!;
      feature[id] = f;
      threshold[id] = rng.nextFloat() < 0.5 ? a : (a + b) / 2;
      dl[id] = rng.nextInt(2);
      left[id] = grow(d + 1);
      right[id] = grow(d + 1);
      return id;
    };
    grow(0);
    const n = feature.length;
    trees.push({
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      defaultLeft: Uint8Array.from(dl),
      value: Float64Array.from(value),
      cover: new Float64Array(n).fill(1),
      gain: new Float64Array(n),
    });
  }
  return { trees, splitRule: rule, link: 'logistic', baseMargin: -1.1, nFeatures: nF, featureNames: Array.from({ length: nF }, (_, i) => `x${i}`), float32Features: false };
}

describe('exportPipelineDescriptionToOnnx on every Telco row', () => {
  let ds: Dataset;
  let rows: RawRow[];
  let desc: PipelineDescription;
  let transformed: Float64Array[];

  beforeAll(async () => {
    ds = (await readCsvFile(CSV, { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
    rows = Array.from({ length: ds.rowCount }, (_, r) => ds.record(r));
    desc = telcoDescription(ds);
    transformed = rows.map((r) => referenceTransform(desc, r));
  });

  it('has the raw data the test relies on (missing total_charges, all rows)', () => {
    expect(rows.length).toBe(7043);
    expect(rows.filter((r) => r['total_charges'] === null).length).toBeGreaterThan(0);
  });

  it.each(['lt', 'le'] as const)('tree ensemble (rule %s): probabilities equal the in-process pipeline within 1e-6', async (rule) => {
    const e = dataEnsemble(transformed, rule, rule === 'lt' ? 1 : 2, 80, 6);
    const session = await createOnnxSession(exportPipelineDescriptionToOnnx(desc, e));
    const res = await runOnnxPipeline(session, rows);
    let maxErr = 0;
    let labelMismatches = 0;
    for (let r = 0; r < rows.length; r++) {
      const p = ensembleProba(e, transformed[r]!);
      maxErr = Math.max(maxErr, Math.abs(res.proba[r]! - p), Math.abs(res.probabilities[2 * r]! - (1 - p)));
      if (res.label[r] !== (p > 1 - p ? 1 : 0)) labelMismatches++;
    }
    expect(maxErr).toBeLessThan(1e-6);
    expect(labelMismatches).toBe(0);
  });

  it('float32 trees on these float64 features would disagree on some rows (why the pipeline keeps double)', async () => {
    const e = dataEnsemble(transformed, 'le', 2, 80, 6);
    const session = await createOnnxSession(exportPipelineDescriptionToOnnx(desc, e, { treePrecision: 'float' }));
    const res = await runOnnxPipeline(session, rows);
    let differing = 0;
    for (let r = 0; r < rows.length; r++) if (Math.abs(res.proba[r]! - ensembleProba(e, transformed[r]!)) > 1e-5) differing++;
    expect(differing).toBeGreaterThan(0);
  });

  it('fitted learners (gbdt, random forest, logistic regression): ONNX equals predictProba within 1e-6 on every row', async () => {
    const x = matrixFromRows(transformed.map((r) => Array.from(r)));
    const churn = ds.categorical('churn');
    const y = Uint8Array.from(churn.codes, (c) => (churn.categories[c] === 'Yes' ? 1 : 0));
    const train = Int32Array.from({ length: 5000 }, (_, i) => i);
    const xTrain = takeRows(x, train);
    const yTrain = takeLabels(y, train);
    const models = [
      new GradientBoostingClassifier({ nEstimators: 40, maxDepth: 4, learningRate: 0.1, randomState: 1 }).fit(xTrain, yTrain),
      new GradientBoostingClassifier({ growPolicy: 'lossguide', numLeaves: 15, nEstimators: 30, randomState: 2 }).fit(xTrain, yTrain),
      new RandomForestClassifier({ nEstimators: 20, maxDepth: 8, randomState: 3 }).fit(xTrain, yTrain),
      new LogisticRegression({ C: 1 }).fit(xTrain, yTrain),
    ];
    for (const model of models) {
      const session = await createOnnxSession(exportPipelineDescriptionToOnnx(desc, model));
      const res = await runOnnxPipeline(session, rows);
      const want = model.predictProba(x);
      let maxErr = 0;
      for (let r = 0; r < rows.length; r++) maxErr = Math.max(maxErr, Math.abs(res.proba[r]! - want[r]!));
      expect({ model: model.kind, maxErr: maxErr < 1e-6 }).toEqual({ model: model.kind, maxErr: true });
    }
  }, 120_000);

  it('logistic regression: probabilities equal the in-process pipeline within 1e-6', async () => {
    const rng = new Rng(3);
    const coef = Float64Array.from(desc.outputs, () => rng.nextGaussian() * 0.3);
    const model = { coef, intercept: -0.7 };
    const session = await createOnnxSession(exportPipelineDescriptionToOnnx(desc, model));
    const res = await runOnnxPipeline(session, rows);
    let maxErr = 0;
    for (let r = 0; r < rows.length; r++) {
      const x = transformed[r]!;
      let z = model.intercept;
      for (let j = 0; j < x.length; j++) z += coef[j]! * x[j]!;
      maxErr = Math.max(maxErr, Math.abs(res.proba[r]! - sigmoid(z)));
    }
    expect(maxErr).toBeLessThan(1e-6);
  });

  it('maps unknown categories to all-zero one-hot columns and missing ones to the imputed category', async () => {
    const rng = new Rng(4);
    const coef = Float64Array.from(desc.outputs, () => rng.nextGaussian());
    const session = await createOnnxSession(exportPipelineDescriptionToOnnx(desc, { coef, intercept: 0 }));
    const probe: RawRow[] = [
      { ...rows[0]!, contract: 'Three year', payment_method: null, partner: undefined },
      { ...rows[1]!, tenure: null, monthly_charges: null, gender: 'Other' },
    ];
    const res = await runOnnxPipeline(session, probe);
    probe.forEach((row, r) => {
      const x = referenceTransform(desc, row);
      let z = 0;
      for (let j = 0; j < x.length; j++) z += coef[j]! * x[j]!;
      expect(Math.abs(res.proba[r]! - sigmoid(z))).toBeLessThan(1e-6);
    });
  });

  it('rejects a description whose model does not fit it, naming the mismatch', () => {
    expect(() => exportPipelineDescriptionToOnnx(desc, { coef: [1, 2], intercept: 0 })).toThrow(/model.coef has 2 coefficients but the preprocessing outputs \d+ columns/);
    const bad: PipelineDescription = { ...desc, derived: [{ kind: 'product', name: 'p', left: 'tenure', right: 'nope' }] };
    expect(() => exportPipelineDescriptionToOnnx(bad, { coef: Array.from(desc.outputs, () => 0), intercept: 0 })).toThrow(
      /derived feature 'p' reads column 'nope', which is neither a raw column nor a derived feature/,
    );
  });
});

describe('exportLogisticRegressionToOnnx', () => {
  it('matches sigmoid(intercept + x . coef) on float inputs, including NaN', async () => {
    const rng = new Rng(9);
    const f = 6;
    const coef = Array.from({ length: f }, () => rng.nextGaussian());
    const n = 500;
    const x = new Float32Array(n * f).map(() => (rng.nextFloat() < 0.02 ? Number.NaN : rng.nextGaussian() * 3));
    const session = await createOnnxSession(exportLogisticRegressionToOnnx({ coef, intercept: 0.25 }));
    const ort = await import('onnxruntime-node');
    const out = await session.run({ features: new ort.Tensor('float32', x, [n, f]) });
    const p = out['probabilities']!.data as Float32Array;
    for (let r = 0; r < n; r++) {
      let z = 0.25;
      for (let j = 0; j < f; j++) z += coef[j]! * x[r * f + j]!;
      const want = sigmoid(z);
      if (Number.isNaN(want)) expect(Number.isNaN(p[2 * r + 1]!)).toBe(true);
      else expect(Math.abs(p[2 * r + 1]! - want)).toBeLessThan(1e-6);
    }
  });
});
