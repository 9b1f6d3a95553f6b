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
import { TELCO_FEATURES, fitFeatures, type FittedFeatures } from '../features/features.js';
import { Preprocessor, type StepSpec } from '../preprocessing/preprocessor.js';
import { describePipeline } from './pipeline-adapter.js';
import { buildPipelineGraph, exportPipelineDescriptionToOnnx, type PipelineDescription } from './pipeline-export.js';
import { createOnnxSession, runOnnxPipeline, type RawRow } from './runtime.js';

const CSV = resolve(process.cwd(), 'data/raw/customer_data.csv');

/** The real chain on the first 5000 rows: seed features, then median imputation + scaling, one-hot, an ordinal contract. */
function fitTelcoChain(ds: Dataset): { fitted: FittedFeatures; pre: Preprocessor } {
  const train = ds.take(Int32Array.from({ length: 5000 }, (_, i) => i));
  const fitted = fitFeatures(TELCO_FEATURES, train);
  const derived = fitted.apply(train);
  const steps: StepSpec[] = [];
  for (const c of derived.schema) {
    if (c.role === 'numeric') steps.push({ column: c.name, kind: 'numeric', impute: 'median', scale: true });
    else if (c.role === 'categorical' && c.name === 'contract')
      steps.push({ column: c.name, kind: 'ordinal', unknownValue: -1 });
    else if (c.role === 'categorical') steps.push({ column: c.name, kind: 'onehot' });
  }
  return { fitted, pre: new Preprocessor({ steps }).fit(derived) };
}

/**
 * A random ensemble over the transformed features whose thresholds are actual transformed values
 * (the hardest case for 'le': x == t) or midpoints between two of them.
 */
function dataEnsemble(
  x: Float64Array[],
  rule: 'lt' | 'le',
  seed: number,
  nTrees: number,
  depth: number,
): TreeEnsemble {
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
      feature.push(-1);
      threshold.push(0);
      left.push(-1);
      right.push(-1);
      dl.push(0);
      value.push((rng.nextFloat() - 0.5) * 0.4);
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
  return {
    trees,
    splitRule: rule,
    link: 'logistic',
    baseMargin: -1.1,
    nFeatures: nF,
    featureNames: Array.from({ length: nF }, (_, i) => `x${i}`),
    float32Features: false,
  };
}

describe('exportPipelineDescriptionToOnnx on every Telco row', () => {
  let ds: Dataset;
  let rows: RawRow[];
  let desc: PipelineDescription;
  let transformed: Float64Array[];
  let chain: { fitted: FittedFeatures; pre: Preprocessor };
  /** The in-process pipeline on one raw record: features, then preprocessing. */
  const transformRecord = (row: RawRow): Float64Array =>
    chain.pre.transformRecord(chain.fitted.applyRecord(row));

  beforeAll(async () => {
    ds = (
      await readCsvFile(CSV, { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })
    ).dataset;
    rows = Array.from({ length: ds.rowCount }, (_, r) => ds.record(r));
    chain = fitTelcoChain(ds);
    desc = describePipeline(chain.pre, chain.fitted);
    const x = chain.pre.transform(chain.fitted.apply(ds));
    transformed = rows.map((_, r) =>
      Float64Array.from({ length: x.cols }, (_, c) => x.data[c * x.rows + r]!),
    );
  });

  it('has the raw data the test relies on (missing total_charges, all rows)', () => {
    expect(rows.length).toBe(7043);
    expect(rows.filter((r) => r['total_charges'] === null).length).toBeGreaterThan(0);
  });

  it.each(['lt', 'le'] as const)(
    'tree ensemble (rule %s): probabilities equal the in-process pipeline within 1e-6',
    async (rule) => {
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
    },
  );

  it('float32 trees on these float64 features would disagree on some rows (why the pipeline keeps double)', async () => {
    const e = dataEnsemble(transformed, 'le', 2, 80, 6);
    const session = await createOnnxSession(
      exportPipelineDescriptionToOnnx(desc, e, { treePrecision: 'float' }),
    );
    const res = await runOnnxPipeline(session, rows);
    let differing = 0;
    for (let r = 0; r < rows.length; r++)
      if (Math.abs(res.proba[r]! - ensembleProba(e, transformed[r]!)) > 1e-5) differing++;
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
      new GradientBoostingClassifier({ nEstimators: 40, maxDepth: 4, learningRate: 0.1, randomState: 1 }).fit(
        xTrain,
        yTrain,
      ),
      new GradientBoostingClassifier({
        growPolicy: 'lossguide',
        numLeaves: 15,
        nEstimators: 30,
        randomState: 2,
      }).fit(xTrain, yTrain),
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

  it('unknown and missing categories and missing numbers follow the in-process transformRecord', async () => {
    const rng = new Rng(4);
    const coef = Float64Array.from(desc.outputs, () => rng.nextGaussian());
    const session = await createOnnxSession(exportPipelineDescriptionToOnnx(desc, { coef, intercept: 0 }));
    const probe: RawRow[] = [
      { ...rows[0]!, contract: 'Three year', payment_method: null, partner: undefined },
      { ...rows[1]!, tenure: null, monthly_charges: null, gender: 'Other' },
    ];
    const res = await runOnnxPipeline(session, probe);
    probe.forEach((row, r) => {
      const x = transformRecord(row);
      let z = 0;
      for (let j = 0; j < x.length; j++) z += coef[j]! * x[j]!;
      expect(Math.abs(res.proba[r]! - sigmoid(z))).toBeLessThan(1e-6);
    });
  });

  it('rejects a description whose model does not fit it, naming the mismatch', () => {
    expect(() => exportPipelineDescriptionToOnnx(desc, { coef: [1, 2], intercept: 0 })).toThrow(
      /model.coef has 2 coefficients but the preprocessing outputs \d+ columns/,
    );
    const bad: PipelineDescription = {
      ...desc,
      features: {
        spec: { features: [{ kind: 'product', name: 'p', sources: ['tenure', 'nope'] }] },
        statistics: {},
      },
    };
    expect(() =>
      exportPipelineDescriptionToOnnx(bad, { coef: Array.from(desc.outputs, () => 0), intercept: 0 }),
    ).toThrow(
      /feature 'p' reads column 'nope', which is neither a raw column nor a feature defined before it/,
    );
  });
});

describe('exportPipelineDescriptionToOnnx: output blocks', () => {
  // Interleaved kinds, a category that is also another source's category ('Yes'), '' as a real
  // category, imputed categories, an ordinal and a one-hot of the same source.
  const description: PipelineDescription = {
    rawColumns: [
      { name: 'a', type: 'categorical' },
      { name: 'x', type: 'numeric' },
      { name: 'b', type: 'categorical' },
      { name: 'c', type: 'categorical' },
    ],
    outputs: [
      { kind: 'onehot', source: 'a', category: 'Yes', imputeCategory: 'Yes' },
      { kind: 'numeric', source: 'x', impute: 5, scale: { mean: 1, std: 2 } },
      { kind: 'onehot', source: 'a', category: 'No', imputeCategory: 'Yes' },
      { kind: 'onehot', source: 'b', category: '' },
      { kind: 'onehot', source: 'b', category: 'Yes' },
      { kind: 'ordinal', source: 'c', categories: ['lo', 'hi'], unknownValue: -1, missingValue: 7 },
      { kind: 'onehot', source: 'c', category: 'Yes' },
    ],
  };
  /** The documented semantics of each output kind (OutputColumnSpec), written out. */
  function expected(row: RawRow): number[] {
    const cat = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
    return description.outputs.map((o) => {
      if (o.kind === 'numeric') {
        const v = row[o.source];
        const x = typeof v === 'number' ? v : o.impute!;
        return (x - o.scale!.mean) / o.scale!.std;
      }
      let v = cat(row[o.source]);
      if (o.kind === 'onehot') {
        const own = description.outputs.filter((p) => p.kind === 'onehot' && p.source === o.source).map((p) => (p as { category: string }).category);
        if (v === '' && !own.includes('') && o.imputeCategory !== undefined) v = o.imputeCategory;
        return v === o.category ? 1 : 0;
      }
      if (v === '' && !o.categories.includes('')) return o.missingValue ?? o.unknownValue;
      const k = o.categories.indexOf(v);
      return k >= 0 ? k : o.unknownValue;
    });
  }
  const coef = description.outputs.map((_, j) => 2 ** -(j + 1));

  it('every combination of known, foreign, unknown and missing values gives the documented columns', async () => {
    const session = await createOnnxSession(exportPipelineDescriptionToOnnx(description, { coef, intercept: -0.5 }));
    const rows: RawRow[] = [];
    for (const a of ['Yes', 'No', '', null, 'Maybe', 'lo'])
      for (const b of ['', 'Yes', 'No', null])
        for (const c of ['lo', 'hi', 'Yes', '', null, 'No']) for (const x of [3, null, -1.5]) rows.push({ a, b, c, x });
    const res = await runOnnxPipeline(session, rows);
    rows.forEach((row, r) => {
      const z = expected(row).reduce((acc, v, j) => acc + v * coef[j]!, -0.5);
      expect(Math.abs(res.proba[r]! - sigmoid(z))).toBeLessThan(1e-6);
    });
  });

  it('one-hot encoding costs the same few nodes for 1 or 15 categorical sources', () => {
    const nodes = (n: number): number => {
      const d: PipelineDescription = {
        rawColumns: Array.from({ length: n }, (_, i) => ({ name: `s${i}`, type: 'categorical' as const })),
        outputs: Array.from({ length: n }, (_, i) => [
          { kind: 'onehot' as const, source: `s${i}`, category: 'Yes' },
          { kind: 'onehot' as const, source: `s${i}`, category: 'No' },
        ]).flat(),
      };
      return buildPipelineGraph(d, { coef: d.outputs.map(() => 1), intercept: 0 }).toModel().graph.nodes.length;
    };
    // Concat of the sources (once per output), one LabelEncoder, Equal, Cast: whatever the number of sources.
    expect(nodes(15)).toBe(nodes(1));
  });
});

describe('exportLogisticRegressionToOnnx', () => {
  it('matches sigmoid(intercept + x . coef) on float inputs, including NaN', async () => {
    const rng = new Rng(9);
    const f = 6;
    const coef = Array.from({ length: f }, () => rng.nextGaussian());
    const n = 500;
    const x = new Float32Array(n * f).map(() =>
      rng.nextFloat() < 0.02 ? Number.NaN : rng.nextGaussian() * 3,
    );
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
