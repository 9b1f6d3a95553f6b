import type { Classifier, FitOptions, SerializedModel } from '../core/estimator.js';
import type { Labels, Matrix } from '../core/matrix.js';
import { Rng } from '../core/random.js';
import { sigmoid, type Tree, type TreeEnsemble } from '../trees/tree.js';
import { ColumnBinner, type BinnedMatrix } from './binning.js';
import { TreeGrower } from './grower.js';
import { growConfig, policyParams, resolveParams, type GradientBoostingParams, type ResolvedGradientBoostingParams } from './params.js';
import { addTreeMarginBinned, addTreesMargin, logLossFromMargin, rocAuc } from './predict.js';

/** Importance types of {@link GradientBoostingClassifier.featureImportances} (XGBoost get_score). */
export type ImportanceType = 'split' | 'gain' | 'total_gain' | 'cover' | 'total_cover';

interface FittedState {
  trees: Tree[];
  baseMargin: number;
  nFeatures: number;
  featureNames: string[];
  bestIteration: number;
}

const FORMAT_VERSION = 1;

/**
 * Gradient-boosted trees for binary classification (logistic loss) on histogram bins, with
 * XGBoost's depth-wise growth or LightGBM's leaf-wise growth (see {@link GradientBoostingParams}).
 *
 * - Features: a column-major {@link Matrix}; NaN = missing, learned default direction per split.
 * - base_score: like XGBoost >= 2 (and LightGBM's boost_from_average), the initial margin is
 *   estimated from the training labels: logit(mean(y)).
 * - Gradients of the logloss: g = p - y, h = max(p (1 - p), 1e-16), p = sigmoid(margin).
 * - Early stopping: on `options.validation` logloss (XGBoost's default metric for
 *   binary:logistic) when `earlyStoppingRounds > 0`; the trees after the best round are dropped.
 * - `onRound` gets the training logloss after each round, and the validation logloss and AUC when a
 *   validation set is given; returning `false` stops training (keeps the trees so far).
 * - Determinism: the same `randomState` gives identical trees for any `nThreads`.
 * - 'lossguide' follows LightGBM's split search exactly (minDataInLeaf on hessian-estimated counts,
 *   its tie-breaking arithmetic; see grower.ts): with identical bins and no sampling the trees and
 *   probabilities equal LightGBM 4.7's (tested to 1e-6, compat/gbdt/make_lightgbm_parity.py).
 * - Memory: training needs the bins (1 byte per value), not the float64 matrix. `fit(x)` bins `x`
 *   column by column; for large data build the bins yourself with {@link binner} (one column at
 *   a time, e.g. from a file) and call {@link fitBinned}, so the float64 copy never exists.
 *
 * @example
 * const model = new GradientBoostingClassifier({ nEstimators: 200, maxDepth: 6, learningRate: 0.1 }).fit(x, y);
 * const p = model.predictProba(xTest);
 */
export class GradientBoostingClassifier implements Classifier<GradientBoostingParams> {
  readonly kind = 'gradient-boosting';
  private readonly params: ResolvedGradientBoostingParams;
  private state: FittedState | null = null;

  constructor(params: GradientBoostingParams = {}) {
    this.params = resolveParams(params);
  }

  getParams(): GradientBoostingParams {
    return policyParams(this.params);
  }

  /** Number of trees kept (after early stopping). */
  get nTrees(): number {
    return this.fitted().trees.length;
  }

  /** Round (0-based) with the best validation loss, or the last round without early stopping. */
  get bestIteration(): number {
    return this.fitted().bestIteration;
  }

  /**
   * A {@link ColumnBinner} with this model's binning parameters (maxBin, binSampleRows,
   * randomState): feeding it the columns of `x` gives exactly the bins `fit(x, y)` trains on.
   * For training sets too large to hold as float64: bin column by column, then
   * {@link fitBinned}.
   */
  binner(rows: number, columnNames: readonly string[]): ColumnBinner {
    const p = this.params;
    return new ColumnBinner(rows, columnNames, { maxBin: p.maxBin, binSampleRows: p.binSampleRows, seed: p.randomState });
  }

  /**
   * Fits on `x` (column-major, NaN = missing): bins it column by column ({@link binner}), then
   * {@link fitBinned}. `options.validation` gives early stopping and, with `onRound`, per-round
   * validation loss and AUC (neither is computed when there is no use for it).
   */
  fit(x: Matrix, y: Labels, options: FitOptions = {}): this {
    const n = x.rows;
    const nf = x.cols;
    if (y.length !== n) throw new RangeError(`y has ${y.length} labels for ${n} rows of x`);
    if (n === 0) throw new RangeError('x has no rows: fit needs training data');
    if (nf === 0) throw new RangeError('x has no columns: fit needs at least one feature');
    const binner = this.binner(n, x.columnNames);
    for (let f = 0; f < nf; f++) binner.setColumn(f, x.data.subarray(f * n, (f + 1) * n));
    return this.fitBinned(binner.finish(), y, options);
  }

  /**
   * Fits on an already binned training matrix (from {@link binner}); identical to `fit` on the
   * float matrix the bins came from, without needing that matrix in memory.
   * @throws RangeError when the bins were made with another maxBin, binSampleRows or seed.
   */
  fitBinned(data: BinnedMatrix, y: Labels, options: FitOptions = {}): this {
    const n = data.rows;
    const nf = data.cols;
    const p = this.params;
    if (data.maxBin !== p.maxBin || data.binSampleRows !== p.binSampleRows || data.seed !== p.randomState) {
      throw new RangeError(
        `data was binned with maxBin ${data.maxBin}, binSampleRows ${data.binSampleRows}, seed ${data.seed} but the model has ${p.maxBin}, ${p.binSampleRows}, ${p.randomState}: bin it with model.binner(rows, names)`,
      );
    }
    if (data.bins.length !== n * nf) throw new RangeError(`data.bins has length ${data.bins.length}, expected rows * cols = ${n * nf}`);
    if (y.length !== n) throw new RangeError(`y has ${y.length} labels for ${n} rows of x`);
    if (n === 0) throw new RangeError('x has no rows: fit needs training data');
    if (nf === 0) throw new RangeError('x has no columns: fit needs at least one feature');
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const v = y[i]!;
      if (v !== 0 && v !== 1) throw new RangeError(`y must hold 0/1 labels, found ${v} at row ${i}`);
      pos += v;
    }
    if (pos === 0 || pos === n) throw new RangeError('y has a single class: binary logloss needs both 0 and 1 labels');
    const valid = options.validation;
    if (valid) {
      if (valid.x.cols !== nf) throw new RangeError(`validation.x has ${valid.x.cols} columns, x has ${nf}`);
      if (valid.y.length !== valid.x.rows) throw new RangeError(`validation.y has ${valid.y.length} labels for ${valid.x.rows} rows`);
    }
    const cfg = growConfig(this.params);
    if (cfg.earlyStoppingRounds > 0 && !valid) {
      throw new RangeError('earlyStoppingRounds needs a validation set: pass fit(x, y, { validation: { x, y } })');
    }
    const useThreads = cfg.nThreads > 1 && n * nf >= cfg.threadMinCells;
    const rng = new Rng(cfg.seed);
    const mapper = data.mapper;
    let bins = data.bins;
    if (useThreads && !(bins.buffer instanceof SharedArrayBuffer)) {
      const shared = new Uint8Array(new SharedArrayBuffer(bins.length));
      shared.set(bins);
      bins = shared;
    }

    const baseMargin = Math.log(pos / (n - pos));
    const margin = new Float64Array(n).fill(baseMargin);
    const g = new Float32Array(n);
    const h = new Float32Array(n);
    const needTrainLoss = options.onRound !== undefined;
    // validation margins only when something reads them (early stopping or onRound)
    const trackValid = valid !== undefined && (cfg.earlyStoppingRounds > 0 || needTrainLoss);
    const validMargin = trackValid ? new Float64Array(valid.x.rows).fill(baseMargin) : null;
    const bag = cfg.rowFreq > 0 ? new Uint32Array(n) : null;
    const inBag = cfg.rowFreq > 0 ? new Uint8Array(n) : null;
    let bagSize = n;
    const featAll = new Int32Array(nf);
    for (let f = 0; f < nf; f++) featAll[f] = f;
    const nSel = Math.max(1, Math.floor(cfg.colFraction * nf));
    const missingBin = mapper.nValueBins;

    const grower = new TreeGrower(bins, n, mapper, cfg, useThreads);
    const trees: Tree[] = [];
    let bestLoss = Infinity;
    let bestIteration = -1;
    try {
      computeGradients(margin, y, g, h, false);
      for (let round = 0; round < cfg.nEstimators; round++) {
        // rows
        if (bag && inBag && round % cfg.rowFreq === 0) {
          bagSize = 0;
          inBag.fill(0);
          for (let r = 0; r < n; r++) {
            if (rng.nextFloat() < cfg.rowFraction) {
              bag[bagSize++] = r;
              inBag[r] = 1;
            }
          }
          if (bagSize === 0) {
            bag[bagSize++] = 0;
            inBag[0] = 1;
          }
        }
        const idx = grower.idx;
        if (bag) idx.set(bag.subarray(0, bagSize));
        else for (let r = 0; r < n; r++) idx[r] = r;
        // features (per tree), kept in increasing order
        if (nSel < nf) {
          rng.shuffle(featAll);
          const sel = featAll.slice(0, nSel).sort();
          grower.feats.set(sel);
          for (let f = 0; f < nf; f++) featAll[f] = f;
        } else {
          grower.feats.set(featAll);
        }
        const grown = grower.grow(bagSize, nSel, g, h);
        trees.push(grown.tree);
        // training margins: rows in the bag from the partition, the rest through the binned tree
        const value = grown.tree.value;
        for (let l = 0; l < grown.leafIds.length; l++) {
          const v = value[grown.leafIds[l]!]!;
          const e = grown.leafEnd[l]!;
          for (let i = grown.leafStart[l]!; i < e; i++) margin[idx[i]!] += v;
        }
        if (inBag) addTreeMarginBinned(grown.tree, grown.splitBin, bins, n, missingBin, margin, inBag);
        const trainLoss = computeGradients(margin, y, g, h, needTrainLoss);
        let validLoss: number | undefined;
        let validAuc: number | undefined;
        if (valid && validMargin) {
          addTreesMargin([grown.tree], valid.x, validMargin);
          validLoss = logLossFromMargin(valid.y, validMargin);
          // AUC sorts the validation rows: only for the callback that reports it
          if (needTrainLoss) validAuc = rocAuc(valid.y, validMargin);
          if (validLoss < bestLoss) {
            bestLoss = validLoss;
            bestIteration = round;
          }
        } else {
          bestIteration = round;
        }
        if (options.onRound) {
          const info = { round, trainLoss, ...(validLoss !== undefined ? { validLoss } : {}), ...(validAuc !== undefined && !Number.isNaN(validAuc) ? { validAuc } : {}) };
          if (options.onRound(info) === false) break;
        }
        if (cfg.earlyStoppingRounds > 0 && round - bestIteration >= cfg.earlyStoppingRounds) break;
      }
    } finally {
      grower.close();
    }
    if (cfg.earlyStoppingRounds > 0) trees.length = bestIteration + 1;
    else bestIteration = trees.length - 1;
    this.state = { trees, baseMargin, nFeatures: nf, featureNames: [...data.columnNames], bestIteration };
    return this;
  }

  /** Raw scores (log-odds): baseMargin + sum of leaf values, one per row. */
  predictMargin(x: Matrix): Float64Array {
    const s = this.fitted();
    if (x.cols !== s.nFeatures) throw new RangeError(`x has ${x.cols} columns, the model was fitted on ${s.nFeatures}`);
    const out = new Float64Array(x.rows);
    addTreesMargin(s.trees, x, out);
    // baseMargin + (sum of leaves), in that order, exactly as ensembleRaw in trees/tree.ts
    const b = s.baseMargin;
    for (let i = 0; i < out.length; i++) out[i] = b + out[i]!;
    return out;
  }

  /** Positive-class probability per row: sigmoid(predictMargin(x)). */
  predictProba(x: Matrix): Float64Array {
    const m = this.predictMargin(x);
    for (let i = 0; i < m.length; i++) m[i] = sigmoid(m[i]!);
    return m;
  }

  /** The fitted model in the shared tree form (split rule 'lt', float32 comparisons). */
  toEnsemble(): TreeEnsemble {
    const s = this.fitted();
    return {
      trees: s.trees,
      splitRule: 'lt',
      link: 'logistic',
      baseMargin: s.baseMargin,
      nFeatures: s.nFeatures,
      featureNames: s.featureNames,
      float32Features: true,
    };
  }

  /**
   * Feature importances as XGBoost's `get_score(importance_type)`, as an array over features
   * (0 for a feature never split on): 'split' = number of splits ('weight'), 'gain' = average
   * loss reduction of its splits, 'total_gain' = sum, 'cover' = average hessian cover of its
   * splits, 'total_cover' = sum.
   */
  featureImportances(type: ImportanceType = 'gain'): Float64Array {
    const s = this.fitted();
    const count = new Float64Array(s.nFeatures);
    const gain = new Float64Array(s.nFeatures);
    const cover = new Float64Array(s.nFeatures);
    for (const t of s.trees) {
      for (let i = 0; i < t.feature.length; i++) {
        const f = t.feature[i]!;
        if (f < 0) continue;
        count[f]! += 1;
        gain[f]! += t.gain[i]!;
        cover[f]! += t.cover[i]!;
      }
    }
    switch (type) {
      case 'split':
        return count;
      case 'total_gain':
        return gain;
      case 'total_cover':
        return cover;
      case 'gain':
      case 'cover': {
        const src = type === 'gain' ? gain : cover;
        for (let f = 0; f < s.nFeatures; f++) src[f] = count[f]! > 0 ? src[f]! / count[f]! : 0;
        return src;
      }
      default:
        throw new RangeError(`importance type must be split, gain, total_gain, cover or total_cover, got ${String(type)}`);
    }
  }

  toJSON(): SerializedModel<GradientBoostingParams> {
    const s = this.fitted();
    return {
      kind: this.kind,
      formatVersion: FORMAT_VERSION,
      params: this.getParams(),
      state: {
        baseMargin: s.baseMargin,
        nFeatures: s.nFeatures,
        featureNames: s.featureNames,
        bestIteration: s.bestIteration,
        trees: s.trees.map((t) => ({
          feature: Array.from(t.feature),
          // -Infinity ("only missing goes left") is not JSON: encoded as null
          threshold: Array.from(t.threshold, (v) => (Number.isFinite(v) ? v : null)),
          left: Array.from(t.left),
          right: Array.from(t.right),
          defaultLeft: Array.from(t.defaultLeft),
          value: Array.from(t.value),
          cover: Array.from(t.cover),
          gain: Array.from(t.gain),
        })),
      },
    };
  }

  /** Restores a model written by {@link toJSON}; predictions are identical. */
  static fromJSON(json: SerializedModel<GradientBoostingParams>): GradientBoostingClassifier {
    if (json.kind !== 'gradient-boosting') throw new RangeError(`json.kind must be 'gradient-boosting', got ${json.kind}`);
    if (json.formatVersion !== FORMAT_VERSION) throw new RangeError(`json.formatVersion ${json.formatVersion} is not supported (expected ${FORMAT_VERSION})`);
    const st = json.state as {
      baseMargin: number;
      nFeatures: number;
      featureNames: string[];
      bestIteration: number;
      trees: { feature: number[]; threshold: (number | null)[]; left: number[]; right: number[]; defaultLeft: number[]; value: number[]; cover: number[]; gain: number[] }[];
    };
    if (!st || !Array.isArray(st.trees)) throw new RangeError('json.state.trees is missing: not a fitted gradient boosting model');
    const model = new GradientBoostingClassifier(json.params);
    model.state = {
      baseMargin: st.baseMargin,
      nFeatures: st.nFeatures,
      featureNames: st.featureNames,
      bestIteration: st.bestIteration,
      trees: st.trees.map((t) => ({
        feature: Int32Array.from(t.feature),
        threshold: Float64Array.from(t.threshold, (v) => (v === null ? -Infinity : v)),
        left: Int32Array.from(t.left),
        right: Int32Array.from(t.right),
        defaultLeft: Uint8Array.from(t.defaultLeft),
        value: Float64Array.from(t.value),
        cover: Float64Array.from(t.cover),
        gain: Float64Array.from(t.gain),
      })),
    };
    return model;
  }

  private fitted(): FittedState {
    if (!this.state) throw new Error('GradientBoostingClassifier is not fitted: call fit(x, y) first');
    return this.state;
  }
}

/**
 * Logloss gradients g = p - y and hessians h = max(p(1-p), 1e-16) from margins, in one pass;
 * returns the mean logloss when `withLoss` (else NaN).
 */
function computeGradients(margin: Float64Array, y: Uint8Array, g: Float32Array, h: Float32Array, withLoss: boolean): number {
  const n = margin.length;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const z = margin[i]!;
    const e = Math.exp(-Math.abs(z));
    const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
    const yi = y[i]!;
    g[i] = p - yi;
    const hh = p * (1 - p);
    h[i] = hh > 1e-16 ? hh : 1e-16;
    if (withLoss) loss += Math.log1p(e) + (z >= 0 ? (1 - yi) * z : -yi * z);
  }
  return withLoss ? loss / n : Number.NaN;
}
