import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matrixFromRows, takeLabels, type Matrix } from '../core/matrix.js';
import { ensembleProba } from '../trees/tree.js';
import { loadTelco, rocAuc } from '../linear/__fixtures__/telco.js';
import { RandomForestClassifier, resolveMaxFeatures, type RandomForestParams } from './index.js';

interface RfCase {
  name: string;
  params: Record<string, number | string | boolean>;
  meanTestAuc: number;
  testAuc: number[];
  featureImportances: number[];
  x?: (number | null)[][];
  y?: number[];
}
const here = dirname(fileURLToPath(import.meta.url));
const ref = JSON.parse(readFileSync(join(here, '__fixtures__', 'rf_reference.json'), 'utf8')) as { cases: RfCase[] };

function ours(p: RfCase['params']): RandomForestParams {
  return {
    nEstimators: p['n_estimators'] as number,
    maxDepth: (p['max_depth'] as number | undefined) ?? null,
    minSamplesSplit: (p['min_samples_split'] as number | undefined) ?? 2,
    minSamplesLeaf: (p['min_samples_leaf'] as number | undefined) ?? 1,
    maxFeatures: (p['max_features'] as 'log2' | undefined) ?? 'sqrt',
    bootstrap: (p['bootstrap'] as boolean | undefined) ?? true,
    randomState: 42,
  };
}

function l1(a: ArrayLike<number>, b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s;
}

describe('RandomForestClassifier vs sklearn (compat/forest/make_fixtures.py): test AUC within 0.01', () => {
  const telco = loadTelco();
  for (const c of ref.cases.filter((k) => k.name.startsWith('telco'))) {
    it(`${c.name}: AUC within 0.01 of sklearn's mean over 5 seeds; importances close`, () => {
      const rf = new RandomForestClassifier(ours(c.params)).fit(telco.train.x, telco.train.y);
      const auc = rocAuc(telco.test.y, rf.predictProba(telco.test.x));
      expect(Math.abs(auc - c.meanTestAuc)).toBeLessThan(0.01);
      const imp = rf.featureImportances;
      expect(imp.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
      // sklearn's importances are averaged over 5 seeds; ours come from one seed, so allow Monte
      // Carlo noise (measured: 5-seed averages of ours are within L1 0.13 on every case; one
      // 50-tree forest without bootstrap alone is ~0.3 away) and require the same top feature.
      expect(l1(imp, c.featureImportances)).toBeLessThan(c.params['n_estimators'] === 100 ? 0.15 : 0.35);
      const top = (a: ArrayLike<number>): number => Array.from(a).indexOf(Math.max(...Array.from(a)));
      expect(top(imp)).toBe(top(c.featureImportances));
    });
  }

  it('synthetic with NaN (native missing-value splits): AUC within 0.01 of sklearn', () => {
    const c = ref.cases.find((k) => k.name === 'synthetic with NaN')!;
    const rows = c.x!.map((r) => r.map((v) => (v === null ? Number.NaN : v)));
    const y = Uint8Array.from(c.y!);
    const xTrain = matrixFromRows(rows.slice(0, 1500));
    const xTest = matrixFromRows(rows.slice(1500));
    const rf = new RandomForestClassifier(ours(c.params)).fit(xTrain, y.subarray(0, 1500));
    const auc = rocAuc(y.subarray(1500), rf.predictProba(xTest));
    expect(Math.abs(auc - c.meanTestAuc)).toBeLessThan(0.01);
    // missing rows of column 2 are informative: some split must route NaN deliberately
    const e = rf.toEnsemble();
    expect(e.trees.some((t) => t.threshold.some((v) => v === Infinity))).toBe(true);
  });
});

describe('RandomForestClassifier determinism, threads and contract', () => {
  const telco = loadTelco();
  const idx = Array.from({ length: 1500 }, (_, i) => i);
  const small: Matrix = { ...telco.train.x, rows: 1500, data: new Float64Array(0) };
  // first 1500 training rows, column-major
  const data = new Float64Array(1500 * telco.train.x.cols);
  for (let c = 0; c < telco.train.x.cols; c++) for (const i of idx) data[c * 1500 + i] = telco.train.x.data[c * telco.train.x.rows + i]!;
  const x: Matrix = { ...small, data };
  const y = takeLabels(telco.train.y, idx);

  it('same seed gives identical probabilities; another seed differs', () => {
    const a = new RandomForestClassifier({ nEstimators: 20, randomState: 7 }).fit(x, y).predictProba(telco.test.x);
    const b = new RandomForestClassifier({ nEstimators: 20, randomState: 7 }).fit(x, y).predictProba(telco.test.x);
    const c = new RandomForestClassifier({ nEstimators: 20, randomState: 8 }).fit(x, y).predictProba(telco.test.x);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('nThreads 3 grows exactly the trees of nThreads 1', () => {
    const one = new RandomForestClassifier({ nEstimators: 10, maxDepth: 8, randomState: 3 }).fit(x, y);
    const three = new RandomForestClassifier({ nEstimators: 10, maxDepth: 8, randomState: 3, nThreads: 3 }).fit(x, y);
    expect(JSON.stringify(three.toJSON().state)).toBe(JSON.stringify(one.toJSON().state));
  });

  it('toEnsemble predicts like predictProba; toJSON/fromJSON round-trips; leaves hold fractions; cover = bootstrap weight', () => {
    const rf = new RandomForestClassifier({ nEstimators: 5, randomState: 1, minSamplesLeaf: 3 }).fit(x, y);
    const e = rf.toEnsemble();
    expect(e.splitRule).toBe('le');
    expect(e.link).toBe('mean-probability');
    const p = rf.predictProba(telco.test.x);
    const n = telco.test.x.rows;
    for (let i = 0; i < 50; i++) {
      const row = Array.from({ length: e.nFeatures }, (_, c) => telco.test.x.data[c * n + i]!);
      expect(ensembleProba(e, row)).toBeCloseTo(p[i]!, 12);
    }
    const back = RandomForestClassifier.fromJSON(JSON.parse(JSON.stringify(rf.toJSON())));
    expect(Array.from(back.predictProba(telco.test.x))).toEqual(Array.from(p));
    for (const t of e.trees) {
      expect(t.cover[0]).toBe(1500); // n bootstrap draws
      for (let k = 0; k < t.feature.length; k++) {
        expect(t.value[k]).toBeGreaterThanOrEqual(0);
        expect(t.value[k]).toBeLessThanOrEqual(1);
        if (t.feature[k]! >= 0) expect(t.cover[t.left[k]!]! + t.cover[t.right[k]!]!).toBe(t.cover[k]);
      }
    }
  });

  it('respects maxDepth and minSamplesLeaf', () => {
    const rf = new RandomForestClassifier({ nEstimators: 3, maxDepth: 3, minSamplesLeaf: 20, randomState: 2, bootstrap: false }).fit(x, y);
    for (const t of rf.toEnsemble().trees) {
      const depth = new Int32Array(t.feature.length);
      for (let k = 0; k < t.feature.length; k++) {
        if (t.feature[k]! >= 0) {
          depth[t.left[k]!] = depth[k]! + 1;
          depth[t.right[k]!] = depth[k]! + 1;
        }
      }
      expect(Math.max(...depth)).toBeLessThanOrEqual(3);
      for (let k = 0; k < t.feature.length; k++) if (t.feature[k]! < 0) expect(t.cover[k]).toBeGreaterThanOrEqual(20);
    }
  });

  it('resolves maxFeatures like sklearn and validates parameters', () => {
    expect(resolveMaxFeatures('sqrt', 45)).toBe(6);
    expect(resolveMaxFeatures('log2', 45)).toBe(5);
    expect(resolveMaxFeatures(0.5, 45)).toBe(22);
    expect(resolveMaxFeatures(3, 45)).toBe(3);
    expect(resolveMaxFeatures(null, 45)).toBe(45);
    expect(() => resolveMaxFeatures(50, 45)).toThrow('maxFeatures 50 exceeds the 45 columns of x');
    expect(() => new RandomForestClassifier({ maxFeatures: 1.5 })).toThrow("maxFeatures must be 'sqrt', 'log2', an integer >= 1, a fraction in (0, 1) or null, got 1.5");
    expect(() => new RandomForestClassifier({ minSamplesSplit: 1 })).toThrow('minSamplesSplit must be an integer >= 2, got 1');
    expect(() => new RandomForestClassifier().predictProba(x)).toThrow('RandomForestClassifier is not fitted: call fit(x, y) first');
    expect(new RandomForestClassifier().getParams()).toEqual({
      nEstimators: 100, maxDepth: null, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: 'sqrt', bootstrap: true, randomState: 0, nThreads: 1,
    });
  });

  it('a pure node is a leaf; NaN rows are routed at predict time without training NaN', () => {
    const xs = matrixFromRows([[0], [1], [2], [3], [4], [5]]);
    const ys = Uint8Array.from([0, 0, 0, 1, 1, 1]);
    const rf = new RandomForestClassifier({ nEstimators: 1, bootstrap: false, maxFeatures: null }).fit(xs, ys);
    const t = rf.toEnsemble().trees[0]!;
    expect(Array.from(t.feature)).toEqual([0, -1, -1]);
    expect(t.threshold[0]).toBe(2.5);
    expect(Array.from(rf.predictProba(matrixFromRows([[2.5], [2.6], [Number.NaN]])))).toEqual([0, 1, 1]); // no NaN in training: NaN goes to the larger child, right on a tie (sklearn: n_left > n_right)
  });
});
