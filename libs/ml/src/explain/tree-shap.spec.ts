import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMatrix, matrixFromRows, type Matrix } from '../core/matrix.js';
import { Rng } from '../core/random.js';
import { RandomForestClassifier } from '../forest/random-forest.js';
import { GradientBoostingClassifier } from '../gbdt/gradient-boosting.js';
import { importLightGBMText, importXGBoostJson } from '../importers/index.js';
import { ensembleRaw, type Tree, type TreeEnsemble } from '../trees/tree.js';
import { meanAbsShap, topContributions } from './importance.js';
import { shapBaseValue, shapValues, shapValuesRow, TreeShapError } from './tree-shap.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '__fixtures__');
const importerFixtures = join(here, '..', 'importers', '__fixtures__');

interface Case {
  name: string;
  file: string;
  kind: 'xgboost' | 'lightgbm' | 'ours';
  featureNames: string[];
  referenceScale: number;
  rows: (number | null)[][];
  margin: number[];
  native?: number[][];
  shap: number[][];
  shapExpected: number;
}
const recorded = JSON.parse(readFileSync(join(fixtures, 'cases.json'), 'utf8')) as {
  versions: Record<string, string>;
  cases: Case[];
};

interface TreeJson {
  feature: number[];
  /** null = +Infinity (scikit-learn's "missing vs everything" split). */
  threshold: (number | null)[];
  left: number[];
  right: number[];
  defaultLeft: number[];
  value: number[];
  cover: number[];
  gain: number[];
}
interface EnsembleJson extends Omit<TreeEnsemble, 'trees'> {
  trees: TreeJson[];
}

/** Our tree JSON (written by compat/shap/make_fixtures.py for scikit-learn forests) -> TreeEnsemble. */
function ensembleFromJson(j: EnsembleJson): TreeEnsemble {
  const trees: Tree[] = j.trees.map((t) => ({
    feature: Int32Array.from(t.feature),
    threshold: Float64Array.from(t.threshold, (v) => (v === null ? Number.POSITIVE_INFINITY : v)),
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    defaultLeft: Uint8Array.from(t.defaultLeft),
    value: Float64Array.from(t.value),
    cover: Float64Array.from(t.cover),
    gain: Float64Array.from(t.gain),
  }));
  return { ...j, trees };
}

function load(dir: string, file: string, kind: Case['kind']): TreeEnsemble {
  const text = readFileSync(join(dir, file), 'utf8');
  if (kind === 'xgboost') return importXGBoostJson(text);
  if (kind === 'lightgbm') return importLightGBMText(text);
  return ensembleFromJson(JSON.parse(text) as EnsembleJson);
}

const toRow = (r: readonly (number | null)[]): number[] => r.map((v) => (v === null ? Number.NaN : v));

/** Max |ours * scale - reference| over every feature column (the expected-value column excluded). */
function maxDiff(values: Float64Array, nF: number, ref: number[][], scale: number): number {
  let m = 0;
  ref.forEach((r, i) => {
    for (let c = 0; c < nF; c++) m = Math.max(m, Math.abs(values[i * nF + c]! * scale - r[c]!));
  });
  return m;
}

/** Max over rows of |base + sum(values) - raw| / max(1, |raw|) with raw = ensembleRaw (the model's margin). */
function additivityError(e: TreeEnsemble, rows: number[][], values: Float64Array, base: number): number {
  const nF = e.nFeatures;
  let worst = 0;
  rows.forEach((row, i) => {
    let s = base;
    for (let c = 0; c < nF; c++) s += values[i * nF + c]!;
    const raw = ensembleRaw(e, row);
    worst = Math.max(worst, Math.abs(s - raw) / Math.max(1, Math.abs(raw)));
  });
  return worst;
}

describe(`TreeSHAP parity with shap ${recorded.versions['shap']} / xgboost ${recorded.versions['xgboost']} / lightgbm ${recorded.versions['lightgbm']} (compat/shap/make_fixtures.py)`, () => {
  it('has xgboost, lightgbm (gbdt and rf) and scikit-learn forest cases on synthetic and Telco data with NaN rows', () => {
    expect(recorded.cases.map((c) => c.name).sort()).toEqual(
      [
        'lightgbm synth gbdt',
        'lightgbm synth rf',
        'lightgbm telco gbdt',
        'sklearn rf synth',
        'sklearn rf telco',
        'xgboost synth',
        'xgboost telco',
      ].sort(),
    );
    for (const c of recorded.cases) {
      expect(c.rows.length).toBeGreaterThanOrEqual(240);
      expect(c.rows.filter((r) => r.some((v) => v === null)).length).toBeGreaterThan(10);
    }
  });

  for (const c of recorded.cases) {
    describe(c.name, () => {
      const e = load(fixtures, c.file, c.kind);
      const rows = c.rows.map(toRow);
      const x = matrixFromRows(rows, c.featureNames);
      const res = shapValues(e, x);
      const nF = e.nFeatures;

      it('the model is the recorded one (our raw output equals the package margin / probability within 1e-5)', () => {
        expect(e.featureNames).toEqual(c.featureNames);
        let m = 0;
        rows.forEach(
          (r, i) => (m = Math.max(m, Math.abs(ensembleRaw(e, r) * c.referenceScale - c.margin[i]!))),
        );
        expect(m).toBeLessThan(1e-5);
      });

      it("every SHAP value within 1e-6 of shap's TreeSHAP (float64 C++)", () => {
        const d = maxDiff(res.values, nF, c.shap, c.referenceScale);
        console.log(
          `${c.name}: max |ours - shap| = ${d.toExponential(2)} over ${rows.length} rows x ${nF} features`,
        );
        expect(d).toBeLessThanOrEqual(1e-6);
      });

      if (c.native) {
        const native = c.native;
        it(`every SHAP value and the base value within 1e-6 of ${c.kind}'s own contributions`, () => {
          const d = maxDiff(res.values, nF, native, c.referenceScale);
          let dBase = 0;
          for (const r of native)
            dBase = Math.max(dBase, Math.abs(res.baseValue * c.referenceScale - r[nF]!));
          console.log(
            `${c.name}: max |ours - ${c.kind}| = ${d.toExponential(2)}, base value ${dBase.toExponential(2)}`,
          );
          expect(d).toBeLessThanOrEqual(1e-6);
          expect(dBase).toBeLessThanOrEqual(1e-6);
        });
      }
      if (c.kind !== 'xgboost') {
        // shap's parse of XGBoost 3 models reads the vector base_score differently; its values still match.
        it("base value equals shap's expected_value within 1e-6", () => {
          expect(Math.abs(res.baseValue * c.referenceScale - c.shapExpected)).toBeLessThanOrEqual(1e-6);
        });
      }

      it('additivity on every row: base value + sum of SHAP values = raw output within 1e-9 (relative)', () => {
        expect(additivityError(e, rows, res.values, res.baseValue)).toBeLessThanOrEqual(1e-9);
      });

      it('the single-row variant returns exactly the batch values', () => {
        for (const i of [0, 7, rows.length - 2, rows.length - 1]) {
          const one = shapValuesRow(e, rows[i]!);
          expect(one.baseValue).toBe(res.baseValue);
          expect(Array.from(one.values)).toEqual(Array.from(res.values.subarray(i * nF, (i + 1) * nF)));
        }
      });
    });
  }
});

describe('TreeSHAP on the importer fixtures (compat/importers/make_fixtures.py, pred_contribs / pred_contrib)', () => {
  interface ImportCase {
    name: string;
    file: string;
    kind: 'xgboost' | 'lightgbm';
    rows: (number | null)[][];
    contribs: number[][];
  }
  const cases = (
    JSON.parse(readFileSync(join(importerFixtures, 'cases.json'), 'utf8')) as { cases: ImportCase[] }
  ).cases;

  for (const c of cases.filter((k) => !k.name.endsWith(' zero'))) {
    it(`${c.name}: within 1e-6 of the package, additive`, () => {
      const e = load(importerFixtures, c.file, c.kind);
      const rows = c.rows.map(toRow);
      const res = shapValues(e, matrixFromRows(rows));
      const scale = c.name.endsWith(' rf') ? e.trees.length : 1;
      expect(maxDiff(res.values, e.nFeatures, c.contribs, scale)).toBeLessThanOrEqual(1e-6);
      expect(additivityError(e, rows, res.values, res.baseValue)).toBeLessThanOrEqual(1e-9);
    });
  }

  it("LightGBM zero_as_missing (rewritten into 3-way splits by the importer): still additive, but not LightGBM's attribution", () => {
    const c = cases.find((k) => k.name === 'lightgbm synth zero')!;
    const e = load(importerFixtures, c.file, c.kind);
    const rows = c.rows.map(toRow);
    const res = shapValues(e, matrixFromRows(rows));
    expect(additivityError(e, rows, res.values, res.baseValue)).toBeLessThanOrEqual(1e-9);
    // The extra nodes change the path-dependent expectation: documented limitation, not a parity case.
    expect(maxDiff(res.values, e.nFeatures, c.contribs, 1)).toBeGreaterThan(1e-3);
  });
});

/** Exact Shapley values by enumerating every coalition, v(S) = path-dependent conditional expectation. */
function bruteForceShap(e: TreeEnsemble, row: readonly number[]): { values: number[]; base: number } {
  const nF = e.nFeatures;
  const x = row.map((v) => (e.float32Features ? Math.fround(v) : v));
  const treeScale = e.link === 'mean-probability' ? 1 / e.trees.length : 1;
  const offset = e.link === 'logistic' ? e.baseMargin : 0;
  const condExp = (t: Tree, node: number, mask: number): number => {
    const f = t.feature[node]!;
    if (f < 0) return t.value[node]!;
    const l = t.left[node]!;
    const r = t.right[node]!;
    if (mask & (1 << f)) {
      const v = x[f]!;
      const left = Number.isNaN(v)
        ? t.defaultLeft[node] === 1
        : e.splitRule === 'lt'
          ? v < t.threshold[node]!
          : v <= t.threshold[node]!;
      return condExp(t, left ? l : r, mask);
    }
    return (t.cover[l]! * condExp(t, l, mask) + t.cover[r]! * condExp(t, r, mask)) / t.cover[node]!;
  };
  const v = new Float64Array(1 << nF);
  for (let mask = 0; mask < 1 << nF; mask++) {
    let s = offset;
    for (const t of e.trees) s += treeScale * condExp(t, 0, mask);
    v[mask] = s;
  }
  const fact = [1];
  for (let i = 1; i <= nF; i++) fact.push(fact[i - 1]! * i);
  const values: number[] = [];
  for (let i = 0; i < nF; i++) {
    let phi = 0;
    for (let mask = 0; mask < 1 << nF; mask++) {
      if (mask & (1 << i)) continue;
      let size = 0;
      for (let m = mask; m; m &= m - 1) size++;
      phi += ((fact[size]! * fact[nF - size - 1]!) / fact[nF]!) * (v[mask | (1 << i)]! - v[mask]!);
    }
    values.push(phi);
  }
  return { values, base: v[0]! };
}

/** 7 features with NaN, an interaction and features reused along paths. */
function synthetic(n: number, seed: number): { x: Matrix; y: Uint8Array } {
  const rng = new Rng(seed);
  const nF = 7;
  const x = createMatrix(n, nF, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  const y = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const v: number[] = [];
    for (let c = 0; c < nF; c++) v.push(c === 2 ? Math.floor(rng.nextFloat() * 4) : rng.nextFloat() * 4 - 2);
    const z = 1.5 * v[0]! * v[1]! - Math.abs(v[3]!) + 0.7 * v[2]! - 1 + Math.sin(3 * v[4]!);
    y[r] = rng.nextFloat() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    for (let c = 0; c < nF; c++) x.data[c * n + r] = c !== 2 && rng.nextFloat() < 0.1 ? Number.NaN : v[c]!;
  }
  return { x, y };
}

function matrixRow(x: Matrix, r: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < x.cols; c++) out.push(x.data[c * x.rows + r]!);
  return out;
}

describe('TreeSHAP on our own ensembles equals exact Shapley values (all 2^7 coalitions)', () => {
  const { x, y } = synthetic(1500, 3);
  const gbdt = new GradientBoostingClassifier({
    nEstimators: 12,
    maxDepth: 5,
    learningRate: 0.3,
    randomState: 1,
  })
    .fit(x, y)
    .toEnsemble();
  const forest = new RandomForestClassifier({ nEstimators: 8, maxDepth: 6, randomState: 1 })
    .fit(x, y)
    .toEnsemble();

  for (const [name, e] of [
    ['gradient boosting (logistic, float32, lt)', gbdt],
    ['random forest (mean-probability, le)', forest],
  ] as const) {
    it(`${name}: values within 1e-12 of brute force, base value = v(empty set), additive on every row`, () => {
      const res = shapValues(e, x);
      const rows = Array.from({ length: x.rows }, (_, r) => matrixRow(x, r));
      let worst = 0;
      for (let r = 0; r < 40; r++) {
        const bf = bruteForceShap(e, rows[r]!);
        expect(Math.abs(bf.base - res.baseValue)).toBeLessThan(1e-12);
        for (let c = 0; c < e.nFeatures; c++)
          worst = Math.max(worst, Math.abs(bf.values[c]! - res.values[r * e.nFeatures + c]!));
      }
      expect(worst).toBeLessThan(1e-12);
      expect(additivityError(e, rows, res.values, res.baseValue)).toBeLessThanOrEqual(1e-9);
      expect(shapBaseValue(e)).toBe(res.baseValue);
    });
  }

  it('a feature never used by the trees gets exactly 0', () => {
    const res = shapValues(gbdt, x);
    const used = new Set<number>();
    for (const t of gbdt.trees) for (const f of t.feature) if (f >= 0) used.add(f);
    for (let c = 0; c < gbdt.nFeatures; c++) {
      if (used.has(c)) continue;
      for (let r = 0; r < x.rows; r++) expect(res.values[r * gbdt.nFeatures + c]).toBe(0);
    }
  });
});

describe('TreeSHAP edge cases and errors', () => {
  const leaf = (v: number): Tree => ({
    feature: Int32Array.of(-1),
    threshold: Float64Array.of(0),
    left: Int32Array.of(-1),
    right: Int32Array.of(-1),
    defaultLeft: Uint8Array.of(0),
    value: Float64Array.of(v),
    cover: Float64Array.of(10),
    gain: Float64Array.of(0),
  });
  // Root splits on feature 0 at 1 (NaN goes right); left leaf 2 (cover 3), right leaf -1 (cover 1).
  const stump: Tree = {
    feature: Int32Array.of(0, -1, -1),
    threshold: Float64Array.of(1, 0, 0),
    left: Int32Array.of(1, -1, -1),
    right: Int32Array.of(2, -1, -1),
    defaultLeft: Uint8Array.of(0, 0, 0),
    value: Float64Array.of(0, 2, -1),
    cover: Float64Array.of(4, 3, 1),
    gain: Float64Array.of(1, 0, 0),
  };
  const base: Omit<TreeEnsemble, 'trees'> = {
    splitRule: 'lt',
    link: 'logistic',
    baseMargin: 0.5,
    nFeatures: 2,
    featureNames: ['p', 'q'],
    float32Features: false,
  };

  it('a stump by hand: phi = f(x) - E[f], E = (3*2 + 1*(-1))/4; NaN follows defaultLeft; rule lt vs le at the threshold', () => {
    const e: TreeEnsemble = { ...base, trees: [stump] };
    const res = shapValues(
      e,
      matrixFromRows([
        [0, 9],
        [5, 9],
        [Number.NaN, 9],
        [1, 9],
      ]),
    );
    expect(res.baseValue).toBeCloseTo(0.5 + 1.25, 15);
    expect(Array.from(res.values)).toEqual([2 - 1.25, 0, -1 - 1.25, 0, -1 - 1.25, 0, -1 - 1.25, 0]);
    const le = shapValuesRow({ ...e, splitRule: 'le' }, [1, 9]);
    expect(le.values[0]).toBe(2 - 1.25);
  });

  it('float32Features: a value that rounds onto the threshold compares as float32 (as leafIndex)', () => {
    const e: TreeEnsemble = {
      ...base,
      float32Features: true,
      trees: [{ ...stump, threshold: Float64Array.of(Math.fround(0.1), 0, 0) }],
    };
    const justBelow = 0.1 - 1e-12; // < fround(0.1) in float64, == fround(0.1) after rounding
    expect(shapValuesRow(e, [justBelow, 0]).values[0]).toBe(-1 - 1.25);
    expect(shapValuesRow({ ...e, float32Features: false }, [justBelow, 0]).values[0]).toBe(2 - 1.25);
  });

  it('single-leaf trees, mean-probability averaging, no trees, no rows', () => {
    const e: TreeEnsemble = { ...base, link: 'mean-probability', baseMargin: 0, trees: [leaf(0.2), stump] };
    const r = shapValuesRow(e, [5, 0]);
    expect(r.baseValue).toBeCloseTo((0.2 + 1.25) / 2, 15);
    expect(Array.from(r.values)).toEqual([(-1 - 1.25) / 2, 0]);
    expect(shapValuesRow({ ...base, trees: [] }, [1, 2])).toEqual({
      values: new Float64Array(2),
      baseValue: 0.5,
    });
    expect(shapValuesRow({ ...e, trees: [] }, [1, 2]).baseValue).toBe(0);
    const empty = shapValues(e, createMatrix(0, 2));
    expect(empty.values.length).toBe(0);
    expect(empty.baseValue).toBe(r.baseValue);
  });

  it('errors name the argument and the fix', () => {
    const e: TreeEnsemble = { ...base, trees: [stump] };
    expect(() => shapValues(e, createMatrix(3, 5))).toThrow(
      'shapValues: x has 5 columns but the ensemble has 2 features; pass the matrix the model was trained on (same columns, same order)',
    );
    expect(() => shapValuesRow(e, [1])).toThrow(
      'shapValuesRow: row has 1 values but the ensemble has 2 features',
    );
    const bad: TreeEnsemble = { ...base, trees: [{ ...stump, cover: Float64Array.of(0, 0, 0) }] };
    expect(() => shapValuesRow(bad, [1, 2])).toThrow(TreeShapError);
    expect(() => shapValuesRow(bad, [1, 2])).toThrow(
      'tree 0: node 0 has cover 0; TreeSHAP needs a positive cover',
    );
  });
});

describe('meanAbsShap and topContributions', () => {
  const values = Float64Array.of(1, -3, 0, -1, 1, 0.5, 0, 2, Number.NaN);
  it('mean |SHAP| per feature, sorted largest first with names; NaN last', () => {
    expect(meanAbsShap(values.subarray(0, 6), 2, ['a', 'b', 'c'])).toEqual([
      { index: 1, feature: 'b', value: 2 },
      { index: 0, feature: 'a', value: 1 },
      { index: 2, feature: 'c', value: 0.25 },
    ]);
    const withNaN = meanAbsShap(values, 3, 3);
    expect(withNaN.map((f) => f.feature)).toEqual(['f1', 'f0', 'f2']);
    expect(withNaN[2]!.value).toBeNaN();
    expect(meanAbsShap(new Float64Array(0), 0, ['a'])).toEqual([{ index: 0, feature: 'a', value: 0 }]);
    expect(() => meanAbsShap(values, 2, ['a', 'b'])).toThrow(
      'meanAbsShap: values has 9 entries, expected rows * nFeatures = 2 * 2 = 4',
    );
  });

  it('top k by |value| with signs, ties by column order, k clipped', () => {
    expect(topContributions([0.5, -2, 0.5, 1], ['a', 'b', 'c', 'd'], 3)).toEqual([
      { index: 1, feature: 'b', value: -2 },
      { index: 3, feature: 'd', value: 1 },
      { index: 0, feature: 'a', value: 0.5 },
    ]);
    expect(topContributions([1], ['a'], 5)).toHaveLength(1);
    expect(() => topContributions([1, 2], ['a'], 1)).toThrow(
      'topContributions: rowValues has 2 values but featureNames has 1 names',
    );
    expect(() => topContributions([1], ['a'], -1)).toThrow(
      'topContributions: k must be a non-negative integer, got -1',
    );
  });
});
