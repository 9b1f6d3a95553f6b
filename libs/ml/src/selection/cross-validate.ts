import type { Classifier } from '../core/estimator.js';
import { takeLabels, takeRows, type Labels, type Matrix } from '../core/matrix.js';
import { Rng } from '../core/random.js';
import { accuracyScore, f1Score, precisionScore, recallScore } from '../metrics/classification.js';
import { brierScoreLoss, logLoss } from '../metrics/probabilistic.js';
import { averagePrecisionScore, rocAucScore } from '../metrics/ranking.js';
import { npMean } from '../metrics/sum.js';
import { stratifiedKFold, type Fold } from '../split/stratified.js';

/** Metrics cross-validation can compute (scikit-learn scorer names). */
export type CvMetric =
  'roc_auc' | 'average_precision' | 'accuracy' | 'precision' | 'recall' | 'f1' | 'log_loss' | 'brier_score';

export const CV_METRICS: readonly CvMetric[] = [
  'roc_auc',
  'average_precision',
  'accuracy',
  'precision',
  'recall',
  'f1',
  'log_loss',
  'brier_score',
];

export interface CrossValidateOptions {
  /** Number of folds (default 5, the config's `cross_validation.n_folds`). */
  readonly folds?: number;
  /** Seed of the fold shuffle (default 0). */
  readonly seed?: number;
  /** Keep the class ratio in every fold (default true: StratifiedKFold; false: KFold). */
  readonly stratified?: boolean;
  /** Shuffle before folding (default true, as the seed's `StratifiedKFold(shuffle=True)`). */
  readonly shuffle?: boolean;
  /** Metrics per fold (default ['roc_auc']). */
  readonly metrics?: readonly CvMetric[];
}

export interface FoldResult {
  readonly fold: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly metrics: Readonly<Partial<Record<CvMetric, number>>>;
  readonly fitSeconds: number;
}

export interface CrossValidationResult {
  readonly folds: readonly FoldResult[];
  /** Mean over folds per metric (numpy mean). */
  readonly mean: Readonly<Partial<Record<CvMetric, number>>>;
  /** Standard deviation over folds per metric, numpy's default ddof=0 (population). */
  readonly std: Readonly<Partial<Record<CvMetric, number>>>;
}

/** The error of bad cross-validation arguments; names the argument and what to change. */
export class CrossValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CrossValidationError';
  }
}

/**
 * K-fold cross-validation of a binary classifier, like scikit-learn's
 * `cross_validate(estimator, X, y, cv=StratifiedKFold(k, shuffle=True, random_state=seed))`:
 * for each fold a fresh estimator from `makeEstimator(fold)` is fitted on the other folds and
 * scored on the held-out fold from its `predictProba`. Threshold metrics (accuracy, precision,
 * recall, f1) use scikit-learn's `predict` rule: positive when the probability is > 0.5.
 *
 * Folds: {@link stratifiedKFold} (same fold sizes and per-class counts as scikit-learn) or, with
 * `stratified: false`, KFold (the first n % k folds get one extra row).
 *
 * @param x n x p feature matrix; @param y n binary labels.
 * @returns per-fold metrics and their mean and std (ddof=0). A metric that is undefined on a fold
 * (e.g. ROC-AUC with one class) makes the fold value and the mean NaN.
 */
export function crossValidate(
  makeEstimator: (fold: number) => Classifier<object>,
  x: Matrix,
  y: Labels,
  options: CrossValidateOptions = {},
): CrossValidationResult {
  const k = options.folds ?? 5;
  const metrics = options.metrics ?? ['roc_auc'];
  if (!Number.isInteger(k) || k < 2)
    throw new CrossValidationError(`folds must be an integer >= 2, got ${k}`);
  if (y.length !== x.rows) throw new CrossValidationError(`y has ${y.length} labels for ${x.rows} rows of x`);
  if (metrics.length === 0)
    throw new CrossValidationError('metrics is empty: ask for at least one, e.g. ["roc_auc"]');
  for (const m of metrics)
    if (!CV_METRICS.includes(m))
      throw new CrossValidationError(`unknown metric ${String(m)}: use one of ${CV_METRICS.join(', ')}`);
  const shuffle = options.shuffle ?? true;
  const seed = options.seed ?? 0;
  const folds =
    options.stratified === false ? kFold(x.rows, k, shuffle, seed) : stratifiedKFold(y, k, { shuffle, seed });
  const results: FoldResult[] = [];
  for (let f = 0; f < folds.length; f++) {
    const { train, test } = folds[f]!;
    const t0 = performance.now();
    const model = makeEstimator(f).fit(takeRows(x, train), takeLabels(y, train));
    const fitSeconds = (performance.now() - t0) / 1000;
    const yTest = takeLabels(y, test);
    const proba = model.predictProba(takeRows(x, test));
    const pred = new Uint8Array(proba.length);
    for (let i = 0; i < proba.length; i++) pred[i] = proba[i]! > 0.5 ? 1 : 0;
    const values: Partial<Record<CvMetric, number>> = {};
    for (const m of metrics) values[m] = score(m, yTest, proba, pred);
    results.push({ fold: f, trainSize: train.length, testSize: test.length, metrics: values, fitSeconds });
  }
  const mean: Partial<Record<CvMetric, number>> = {};
  const std: Partial<Record<CvMetric, number>> = {};
  for (const m of metrics) {
    const v = Float64Array.from(results, (r) => r.metrics[m]!);
    mean[m] = npMean(v);
    std[m] = npStd(v);
  }
  return { folds: results, mean, std };
}

function score(m: CvMetric, y: Labels, proba: Float64Array, pred: Uint8Array): number {
  switch (m) {
    case 'roc_auc':
      return safe(() => rocAucScore(y, proba));
    case 'average_precision':
      return safe(() => averagePrecisionScore(y, proba));
    case 'accuracy':
      return accuracyScore(y, pred);
    case 'precision':
      return precisionScore(y, pred);
    case 'recall':
      return recallScore(y, pred);
    case 'f1':
      return f1Score(y, pred);
    case 'log_loss':
      return logLoss(y, proba);
    case 'brier_score':
      return brierScoreLoss(y, proba);
  }
}

function safe(f: () => number): number {
  try {
    return f();
  } catch {
    return Number.NaN; // e.g. a fold with one class: scikit-learn's scorer gives nan too
  }
}

/** numpy `std(a)` with ddof=0: sqrt(mean(|a - mean(a)|^2)). */
export function npStd(a: Float64Array): number {
  const m = npMean(a);
  const d = a.map((v) => (v - m) * (v - m));
  return Math.sqrt(npMean(d));
}

/** scikit-learn KFold: optionally shuffled rows, contiguous folds, the first n % k one row larger. */
export function kFold(n: number, k: number, shuffle: boolean, seed: number): Fold[] {
  if (k > n) throw new CrossValidationError(`cannot have folds=${k} greater than the number of rows ${n}`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (shuffle) new Rng(seed).shuffle(order);
  const out: Fold[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const test = order.slice(start, start + size).sort();
    const mask = new Uint8Array(n);
    for (const i of test) mask[i] = 1;
    const train = new Int32Array(n - size);
    let j = 0;
    for (let i = 0; i < n; i++) if (!mask[i]) train[j++] = i;
    out.push({ train, test });
    start += size;
  }
  return out;
}

/**
 * Python's `f"{x:.{digits}f}"`: fixed notation rounded half to even on the exact binary value
 * (JavaScript's toFixed rounds exact ties up).
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const exact = Math.abs(x).toFixed(100);
  const dot = exact.indexOf('.');
  const tail = exact.slice(dot + 1 + digits);
  if (/^50*$/.test(tail)) {
    // exact tie: keep the even last digit
    const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, '');
    const lastDigit = Number(kept[kept.length - 1]);
    const s = lastDigit % 2 === 0 ? kept : Math.abs(x).toFixed(digits); // toFixed rounds ties up
    return (x < 0 || Object.is(x, -0) ? '-' : '') + s;
  }
  const s = x.toFixed(digits);
  return Object.is(x, -0) ? '-' + s : s;
}

/**
 * The seed's line `print(f"CV AUC: {scores.mean():.3f} (+/- {scores.std() * 2:.3f})")`, e.g.
 * `CV AUC: 0.838 (+/- 0.026)`: mean ROC-AUC and twice its ddof=0 standard deviation.
 * @throws CrossValidationError when the result has no roc_auc metric.
 */
export function formatCvAuc(result: CrossValidationResult): string {
  const mean = result.mean.roc_auc;
  const std = result.std.roc_auc;
  if (mean === undefined || std === undefined)
    throw new CrossValidationError(
      'the result has no roc_auc: cross-validate with metrics including "roc_auc"',
    );
  return `CV AUC: ${formatFixed(mean, 3)} (+/- ${formatFixed(std * 2, 3)})`;
}
