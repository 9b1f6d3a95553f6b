import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMatrix, matrixFromRows, takeLabels, takeRows, type Matrix } from '../core/matrix.js';
import { Rng } from '../core/random.js';
import { ensembleRaw } from '../trees/tree.js';
import { applyBins, buildBinMapper, binOf, ColumnBinner } from './binning.js';
import { GradientBoostingClassifier } from './gradient-boosting.js';
import { TreeGrower } from './grower.js';
import { growConfig, resolveParams } from './params.js';
import { rocAuc } from './predict.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../../..');

interface AnchorSet {
  xgboost_auc: number;
  lightgbm_auc: number;
  xgboost_base_score: number;
  train_positive_rate: number;
}
const fixture = JSON.parse(readFileSync(join(here, '__fixtures__/gbdt-anchors.json'), 'utf8')) as {
  synthetic: AnchorSet & { x: (number | null)[][]; y: number[] };
  telco: AnchorSet & { columns: string[] };
};

/** XGBoost-named params of the fixture (compat/gbdt/make_fixtures.py). */
const XGB = { nEstimators: 100, maxDepth: 4, learningRate: 0.1, minChildWeight: 1, lambda: 1, gamma: 0, maxBin: 256 };
const LGB = { growPolicy: 'lossguide' as const, nEstimators: 100, numLeaves: 15, learningRate: 0.1, minDataInLeaf: 20, minSumHessianInLeaf: 1e-3, lambdaL2: 0, maxBin: 256 };

function split(x: Matrix, y: Uint8Array, isTest: (i: number) => boolean) {
  const tr: number[] = [];
  const te: number[] = [];
  for (let i = 0; i < x.rows; i++) (isTest(i) ? te : tr).push(i);
  return { xtr: takeRows(x, tr), ytr: takeLabels(y, tr), xte: takeRows(x, te), yte: takeLabels(y, te) };
}

function syntheticData() {
  const x = matrixFromRows(fixture.synthetic.x.map((r) => r.map((v) => (v === null ? Number.NaN : v))));
  return split(x, Uint8Array.from(fixture.synthetic.y), (i) => i % 4 === 0);
}

/** The by-hand Telco encoding of compat/gbdt/make_fixtures.py: numeric as is, strings one-hot over sorted categories. */
function telcoData() {
  const lines = readFileSync(join(root, 'data/raw/customer_data.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',').map((h) => h.replace(/"/g, ''));
  const rows = lines.slice(1).map((l) => l.split(','));
  const n = rows.length;
  const cols: Float64Array[] = [];
  const names: string[] = [];
  let y = new Uint8Array(n);
  header.forEach((h, c) => {
    if (h === 'customer_id') return;
    const raw = rows.map((r) => r[c]!);
    if (h === 'churn') {
      y = Uint8Array.from(raw, (v) => (v === '"Yes"' ? 1 : 0));
      return;
    }
    if (raw.some((v) => v.startsWith('"'))) {
      const vals = raw.map((v) => v.replace(/"/g, ''));
      for (const cat of [...new Set(vals)].sort()) {
        cols.push(Float64Array.from(vals, (v) => (v === cat ? 1 : 0)));
        names.push(`${h}=${cat}`);
      }
    } else {
      cols.push(Float64Array.from(raw, (v) => (v === '' ? Number.NaN : Number(v))));
      names.push(h);
    }
  });
  const x = createMatrix(n, cols.length, names);
  cols.forEach((col, c) => x.data.set(col, c * n));
  return { names, ...split(x, y, (i) => i % 5 === 0) };
}

function nonlinear(n: number, seed: number, missingRate = 0.1) {
  const rng = new Rng(seed);
  const x = createMatrix(n, 5);
  const y = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const v = Array.from({ length: 5 }, () => rng.nextGaussian());
    const z = Math.sin(2 * v[0]!) + (v[1]! > 0 ? 1 : -1) * v[2]! + 0.5 * v[3]! * v[3]! - 0.5;
    y[r] = rng.nextFloat() < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0;
    for (let c = 0; c < 5; c++) x.data[c * n + r] = c < 3 && rng.nextFloat() < missingRate ? Number.NaN : v[c]!;
  }
  return { x, y };
}

describe('GradientBoostingClassifier: accuracy against xgboost 3.2 / lightgbm 4.7 (compat/gbdt fixtures)', () => {
  it('synthetic nonlinear data with NaN: depthwise AUC within 0.005 of xgboost, lossguide of lightgbm', () => {
    const d = syntheticData();
    const ours = new GradientBoostingClassifier(XGB).fit(d.xtr, d.ytr);
    const auc = rocAuc(d.yte, ours.predictProba(d.xte));
    expect(Math.abs(auc - fixture.synthetic.xgboost_auc)).toBeLessThan(0.005);
    const leaf = new GradientBoostingClassifier(LGB).fit(d.xtr, d.ytr);
    const aucL = rocAuc(d.yte, leaf.predictProba(d.xte));
    console.log(`synthetic AUC ours depthwise ${auc} (xgboost ${fixture.synthetic.xgboost_auc}), lossguide ${aucL} (lightgbm ${fixture.synthetic.lightgbm_auc})`);
    expect(Math.abs(aucL - fixture.synthetic.lightgbm_auc)).toBeLessThan(0.005);
  });

  it('Telco numeric encoding: depthwise AUC within 0.005 of xgboost, lossguide of lightgbm', () => {
    const d = telcoData();
    expect(d.names).toEqual(fixture.telco.columns);
    const auc = rocAuc(d.yte, new GradientBoostingClassifier(XGB).fit(d.xtr, d.ytr).predictProba(d.xte));
    const aucL = rocAuc(d.yte, new GradientBoostingClassifier(LGB).fit(d.xtr, d.ytr).predictProba(d.xte));
    console.log(`telco AUC ours depthwise ${auc} (xgboost ${fixture.telco.xgboost_auc}), lossguide ${aucL} (lightgbm ${fixture.telco.lightgbm_auc})`);
    expect(Math.abs(auc - fixture.telco.xgboost_auc)).toBeLessThan(0.005);
    expect(Math.abs(aucL - fixture.telco.lightgbm_auc)).toBeLessThan(0.005);
  });

  it('estimates base_score from the labels like xgboost >= 2 (logit of the mean label)', () => {
    const d = telcoData();
    const e = new GradientBoostingClassifier({ ...XGB, nEstimators: 1 }).fit(d.xtr, d.ytr).toEnsemble();
    const p = fixture.telco.xgboost_base_score;
    expect(e.baseMargin).toBeCloseTo(Math.log(p / (1 - p)), 6);
  });
});

const lgbParity = JSON.parse(readFileSync(join(here, '__fixtures__/lightgbm-parity.json'), 'utf8')) as {
  columns: string[];
  cases: Record<string, { params: Record<string, number>; num_leaves_per_tree: number[]; test_proba: number[] }>;
};

describe('GradientBoostingClassifier lossguide: tree-for-tree parity with lightgbm 4.7 (compat/gbdt/make_lightgbm_parity.py)', () => {
  // Telco numeric encoding restricted to columns whose bins are their distinct values on both sides
  const d = telcoData();
  const keep = lgbParity.columns.map((c) => d.names.indexOf(c));
  const select = (m: Matrix): Matrix => {
    const out = createMatrix(m.rows, keep.length, lgbParity.columns);
    keep.forEach((j, c) => out.data.set(m.data.subarray(j * m.rows, (j + 1) * m.rows), c * m.rows));
    return out;
  };
  const xtr = select(d.xtr);
  const xte = select(d.xte);

  it.each(Object.keys(lgbParity.cases))('%s: same number of leaves per tree and probabilities within 1e-6 on every test row', (name) => {
    expect(keep.every((j) => j >= 0)).toBe(true);
    const c = lgbParity.cases[name]!;
    const p = c.params;
    const model = new GradientBoostingClassifier({
      growPolicy: 'lossguide',
      nEstimators: p['n_estimators']!,
      numLeaves: p['num_leaves']!,
      learningRate: p['learning_rate']!,
      minDataInLeaf: p['min_child_samples']!,
      minSumHessianInLeaf: p['min_child_weight']!,
      lambdaL2: p['reg_lambda']!,
      maxBin: 256,
    }).fit(xtr, d.ytr);
    const leaves = model.toEnsemble().trees.map((t) => Array.from(t.feature).filter((f) => f < 0).length);
    expect(leaves).toEqual(c.num_leaves_per_tree);
    const proba = model.predictProba(xte);
    let maxDiff = 0;
    for (let i = 0; i < proba.length; i++) maxDiff = Math.max(maxDiff, Math.abs(proba[i]! - c.test_proba[i]!));
    expect(proba.length).toBe(c.test_proba.length);
    expect(maxDiff).toBeLessThan(1e-6);
  });
});

describe('GradientBoostingClassifier: training behaviour', () => {
  const { x, y } = nonlinear(3000, 11);

  it('is deterministic for a seed, and the seed matters when sampling', () => {
    const p = { nEstimators: 20, subsample: 0.7, colsampleBytree: 0.6, randomState: 3 };
    const a = new GradientBoostingClassifier(p).fit(x, y).predictMargin(x);
    const b = new GradientBoostingClassifier(p).fit(x, y).predictMargin(x);
    const c = new GradientBoostingClassifier({ ...p, randomState: 4 }).fit(x, y).predictMargin(x);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('decreases the training loss every round and reports validation loss and AUC', () => {
    const rounds: { round: number; trainLoss: number; validLoss?: number; validAuc?: number }[] = [];
    const v = nonlinear(1000, 12);
    new GradientBoostingClassifier({ nEstimators: 30, learningRate: 0.1 }).fit(x, y, {
      validation: { x: v.x, y: v.y },
      onRound: (info) => void rounds.push(info),
    });
    expect(rounds.map((r) => r.round)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    for (let i = 1; i < rounds.length; i++) expect(rounds[i]!.trainLoss).toBeLessThan(rounds[i - 1]!.trainLoss);
    expect(rounds[29]!.validLoss).toBeLessThan(rounds[0]!.validLoss!);
    expect(rounds[29]!.validAuc).toBeGreaterThan(0.75);
  });

  it('learns the default direction of missing values and predicts rows with NaN', () => {
    // the label is "feature 0 is missing": only the missing direction can separate it
    const n = 2000;
    const rng = new Rng(5);
    const m = createMatrix(n, 2);
    const yy = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      yy[r] = rng.nextFloat() < 0.3 ? 1 : 0;
      m.data[r] = yy[r] ? Number.NaN : rng.nextGaussian();
      m.data[n + r] = rng.nextGaussian();
    }
    const model = new GradientBoostingClassifier({ nEstimators: 20, maxDepth: 2 }).fit(m, yy);
    const t = model.toEnsemble().trees[0]!;
    expect(t.feature[0]).toBe(0);
    expect(t.threshold[0]).toBe(-Infinity); // only missing values go left
    expect(t.defaultLeft[0]).toBe(1);
    expect(rocAuc(yy, model.predictProba(m))).toBe(1);
    const p = model.predictProba(matrixFromRows([[Number.NaN, 0], [0.5, Number.NaN]]));
    expect(p[0]).toBeGreaterThan(0.9);
    expect(p[1]).toBeLessThan(0.1);
  });

  it('early stopping keeps the best round and trims later trees', () => {
    const tr = nonlinear(600, 21, 0);
    const va = nonlinear(600, 22, 0);
    const losses: number[] = [];
    const model = new GradientBoostingClassifier({ nEstimators: 300, maxDepth: 6, learningRate: 0.5, earlyStoppingRounds: 5 }).fit(tr.x, tr.y, {
      validation: va,
      onRound: (info) => void losses.push(info.validLoss!),
    });
    const best = losses.indexOf(Math.min(...losses));
    expect(losses.length).toBe(best + 6);
    expect(losses.length).toBeLessThan(300);
    expect(model.bestIteration).toBe(best);
    expect(model.nTrees).toBe(best + 1);
  });

  it('stops when onRound returns false', () => {
    const model = new GradientBoostingClassifier({ nEstimators: 50 }).fit(x, y, { onRound: (i) => i.round < 6 });
    expect(model.nTrees).toBe(7);
  });

  it('validates parameters with errors that name the parameter', () => {
    expect(() => new GradientBoostingClassifier({ maxDepth: 0 })).toThrow(/maxDepth/);
    expect(() => new GradientBoostingClassifier({ learningRate: 0 })).toThrow(/learningRate/);
    expect(() => new GradientBoostingClassifier({ subsample: 1.5 })).toThrow(/subsample/);
    expect(() => new GradientBoostingClassifier({ maxBin: 300 })).toThrow(/maxBin/);
    expect(() => new GradientBoostingClassifier({ numLeaves: 31 })).toThrow(/numLeaves is a growPolicy 'lossguide'/);
    expect(() => new GradientBoostingClassifier({ growPolicy: 'lossguide', gamma: 1 })).toThrow(/gamma is a growPolicy 'depthwise'/);
    expect(() => new GradientBoostingClassifier({ nEstimators: 10 }).fit(x, y.subarray(1))).toThrow(/y has/);
    expect(() => new GradientBoostingClassifier({ earlyStoppingRounds: 3 }).fit(x, y)).toThrow(/earlyStoppingRounds needs a validation set/);
    expect(() => new GradientBoostingClassifier().predictProba(x)).toThrow(/not fitted/);
    expect(new GradientBoostingClassifier({ growPolicy: 'lossguide' }).getParams()).toMatchObject({ numLeaves: 31, learningRate: 0.1, maxDepth: -1, minDataInLeaf: 20 });
  });

  it('toJSON / fromJSON round trip gives identical predictions', () => {
    const model = new GradientBoostingClassifier({ nEstimators: 15, growPolicy: 'lossguide', numLeaves: 8, randomState: 1 }).fit(x, y);
    const back = GradientBoostingClassifier.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(Array.from(back.predictProba(x))).toEqual(Array.from(model.predictProba(x)));
    expect(back.getParams()).toEqual(model.getParams());
  });

  it('fast predictMargin equals the shared tree-form prediction (tree.ts) on every row', () => {
    const model = new GradientBoostingClassifier({ nEstimators: 10 }).fit(x, y);
    const e = model.toEnsemble();
    const fast = model.predictMargin(x);
    const row = new Float64Array(x.cols);
    for (let r = 0; r < x.rows; r++) {
      for (let c = 0; c < x.cols; c++) row[c] = x.data[c * x.rows + r]!;
      expect(fast[r]).toBe(ensembleRaw(e, row));
    }
  });

  it('feature importances follow xgboost get_score: gain = total_gain / split', () => {
    const model = new GradientBoostingClassifier({ nEstimators: 10 }).fit(x, y);
    const split = model.featureImportances('split');
    const gain = model.featureImportances('gain');
    const total = model.featureImportances('total_gain');
    for (let f = 0; f < x.cols; f++) expect(gain[f]).toBeCloseTo(split[f]! > 0 ? total[f]! / split[f]! : 0, 9);
    expect(split[4]).toBeLessThan(split[0]!); // feature 4 is noise
  });

  it('gives bitwise identical models with worker threads', () => {
    const p = { nEstimators: 8, subsample: 0.8, colsampleBytree: 0.8, randomState: 9, threadMinCells: 0 };
    const one = new GradientBoostingClassifier({ ...p, nThreads: 1 }).fit(x, y).toJSON();
    const two = new GradientBoostingClassifier({ ...p, nThreads: 2 }).fit(x, y).toJSON();
    const three = new GradientBoostingClassifier({ ...p, nThreads: 3, growPolicy: undefined }).fit(x, y).toJSON();
    expect(two.state).toEqual(one.state);
    expect(three.state).toEqual(one.state);
  });
});

describe('GradientBoostingClassifier.fitBinned: training from bins built column by column', () => {
  const { x, y } = nonlinear(2500, 41, 0.1);

  it('gives the same model as a one-thread fit on the float matrix (depthwise and lossguide, sampling, 2 threads)', () => {
    const cases = [
      { nEstimators: 12, subsample: 0.8, colsampleBytree: 0.7, randomState: 5, nThreads: 2, threadMinCells: 0 },
      { growPolicy: 'lossguide' as const, nEstimators: 12, numLeaves: 12, baggingFraction: 0.7, baggingFreq: 2, featureFraction: 0.8, randomState: 6, binSampleRows: 1000, nThreads: 2, threadMinCells: 0 },
    ];
    for (const p of cases) {
      const direct = new GradientBoostingClassifier({ ...p, nThreads: 1 }).fit(x, y);
      const model = new GradientBoostingClassifier(p);
      const binner = model.binner(x.rows, x.columnNames);
      // columns in any order, each from its own copy (as a file reader would hand them over)
      for (const f of [3, 0, 4, 2, 1]) binner.setColumn(f, Float64Array.from(x.data.subarray(f * x.rows, (f + 1) * x.rows)));
      model.fitBinned(binner.finish(), y);
      expect(model.toJSON().state).toEqual(direct.toJSON().state);
    }
  });

  it('bins exactly as buildBinMapper + applyBins', () => {
    const binner = new ColumnBinner(x.rows, x.columnNames, { maxBin: 64, binSampleRows: 1000, seed: 9 });
    for (let f = 0; f < x.cols; f++) binner.setColumn(f, x.data.subarray(f * x.rows, (f + 1) * x.rows));
    const binned = binner.finish();
    const mapper = buildBinMapper(x, 64, 1000, 9);
    const bins = new Uint8Array(x.rows * x.cols);
    applyBins(mapper, x, bins);
    expect(Array.from(binned.bins)).toEqual(Array.from(bins));
    expect(binned.mapper.cuts.map((c) => Array.from(c))).toEqual(mapper.cuts.map((c) => Array.from(c)));
  });

  it('rejects bins made with other binning parameters, unset columns and bad column input', () => {
    const binner = new GradientBoostingClassifier({ maxBin: 32 }).binner(x.rows, x.columnNames);
    expect(() => binner.finish()).toThrow(/column 0 \(f0\) was never set/);
    expect(() => binner.setColumn(5, x.data.subarray(0, x.rows))).toThrow(/column index f must be in \[0, 5\)/);
    expect(() => binner.setColumn(0, x.data.subarray(0, 10))).toThrow(/values has 10 rows for column 0/);
    for (let f = 0; f < x.cols; f++) binner.setColumn(f, x.data.subarray(f * x.rows, (f + 1) * x.rows));
    const binned = binner.finish();
    expect(() => new GradientBoostingClassifier({ maxBin: 64 }).fitBinned(binned, y)).toThrow(/bin it with model.binner/);
    expect(() => new GradientBoostingClassifier({ maxBin: 32 }).fitBinned(binned, y.subarray(1))).toThrow(/y has/);
  });
});

describe('histogram bins and tree routing', () => {
  it('bins are [cut_{b-1}, cut_b) in float32 and NaN gets its own bin', () => {
    const m = matrixFromRows([[1], [2], [2], [3], [Number.NaN]]);
    const mapper = buildBinMapper(m, 256, 200000, 0);
    expect(Array.from(mapper.cuts[0]!)).toEqual([2, 3]);
    expect([1, 1.999, 2, 2.5, 3, 100, Number.NaN].map((v) => binOf(mapper, 0, v))).toEqual([0, 0, 1, 1, 2, 2, 3]);
  });

  it('limits value bins to maxBin - 1 with roughly equal counts', () => {
    const { x } = nonlinear(5000, 3, 0);
    const mapper = buildBinMapper(x, 16, 200000, 0);
    expect(mapper.nValueBins[3]).toBe(15);
    const bins = new Uint8Array(x.rows * x.cols);
    applyBins(mapper, x, bins);
    const counts = new Array<number>(15).fill(0);
    for (let r = 0; r < x.rows; r++) counts[bins[3 * x.rows + r]!]! += 1;
    for (const c of counts) expect(Math.abs(c - 5000 / 15)).toBeLessThan(40);
  });

  it('routing training rows by bins (partition) and by raw values with the thresholds agree exactly', () => {
    const { x, y } = nonlinear(3000, 31, 0.15);
    for (const policy of ['depthwise', 'lossguide'] as const) {
      const cfg = growConfig(resolveParams(policy === 'depthwise' ? { maxDepth: 6, maxBin: 32 } : { growPolicy: 'lossguide', numLeaves: 40, maxBin: 32 }));
      const mapper = buildBinMapper(x, cfg.maxBin, cfg.binSampleRows, 0);
      const bins = new Uint8Array(x.rows * x.cols);
      applyBins(mapper, x, bins);
      const g = Float32Array.from(y, (v) => 0.3 - v);
      const h = new Float32Array(x.rows).fill(0.21);
      const grower = new TreeGrower(bins, x.rows, mapper, cfg, false);
      for (let i = 0; i < x.rows; i++) grower.idx[i] = i;
      for (let f = 0; f < x.cols; f++) grower.feats[f] = f;
      const grown = grower.grow(x.rows, x.cols, g, h);
      expect(grown.leafIds.length).toBeGreaterThan(10);
      const row = new Float64Array(x.cols);
      const e = { trees: [grown.tree], splitRule: 'lt' as const, link: 'logistic' as const, baseMargin: 0, nFeatures: x.cols, featureNames: x.columnNames, float32Features: true };
      let checked = 0;
      grown.leafIds.forEach((leaf, l) => {
        for (let i = grown.leafStart[l]!; i < grown.leafEnd[l]!; i++) {
          const r = grower.idx[i]!;
          for (let c = 0; c < x.cols; c++) row[c] = x.data[c * x.rows + r]!;
          expect(ensembleRaw(e, row)).toBe(grown.tree.value[leaf]);
          checked++;
        }
      });
      expect(checked).toBe(x.rows);
    }
  });
});
