import { pairwiseSum } from './sum.js';
import { checkBinaryInputs } from './validate.js';

/** Counts at each distinct score threshold, highest threshold first (sklearn's `_binary_clf_curve`). */
export interface ThresholdCounts {
  /** False positives when predicting positive for `score >= thresholds[i]`. */
  readonly fps: Float64Array;
  readonly tps: Float64Array;
  /** The distinct scores, decreasing. */
  readonly thresholds: Float64Array;
}

/**
 * True and false positive counts at every distinct score, in decreasing score order
 * (`sklearn.metrics.confusion_matrix_at_thresholds` without weights). O(n log n).
 * @param yTrue 0/1 labels, length n >= 1; @param scores finite or infinite, no NaN.
 */
export function thresholdCounts(yTrue: ArrayLike<number>, scores: ArrayLike<number>): ThresholdCounts {
  checkBinaryInputs(yTrue, scores, 'scores');
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]! || 0);
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    tp += yTrue[i]!;
    const s = scores[i]!;
    if (k === n - 1 || scores[order[k + 1]!]! !== s) {
      tps.push(tp);
      fps.push(k + 1 - tp);
      thresholds.push(s);
    }
  }
  return { fps: Float64Array.from(fps), tps: Float64Array.from(tps), thresholds: Float64Array.from(thresholds) };
}

export interface RocCurve {
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  /** Decreasing; `thresholds[0]` is +Infinity (scikit-learn >= 1.3). */
  readonly thresholds: Float64Array;
}

/**
 * ROC curve like `sklearn.metrics.roc_curve` (drop_intermediate=true by default: drops points
 * that are collinear on a horizontal or vertical segment, i.e. where the second difference of
 * both fps and tps is 0). Starts at (0, 0) with threshold +Infinity. With no negatives fpr is all
 * NaN, with no positives tpr is all NaN (scikit-learn warns; we do not).
 */
export function rocCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>, options: { dropIntermediate?: boolean } = {}): RocCurve {
  let { fps, tps, thresholds } = thresholdCounts(yTrue, scores);
  if ((options.dropIntermediate ?? true) && fps.length > 2) {
    const keep: number[] = [0];
    for (let i = 1; i < fps.length - 1; i++) {
      const d2f = fps[i + 1]! - 2 * fps[i]! + fps[i - 1]!;
      const d2t = tps[i + 1]! - 2 * tps[i]! + tps[i - 1]!;
      if (d2f !== 0 || d2t !== 0) keep.push(i);
    }
    keep.push(fps.length - 1);
    fps = Float64Array.from(keep, (i) => fps[i]!);
    tps = Float64Array.from(keep, (i) => tps[i]!);
    thresholds = Float64Array.from(keep, (i) => thresholds[i]!);
  }
  const m = fps.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const th = new Float64Array(m);
  th[0] = Infinity;
  const fLast = fps[fps.length - 1]!;
  const tLast = tps[tps.length - 1]!;
  for (let i = 1; i < m; i++) {
    fpr[i] = fLast <= 0 ? NaN : fps[i - 1]! / fLast;
    tpr[i] = tLast <= 0 ? NaN : tps[i - 1]! / tLast;
    th[i] = thresholds[i - 1]!;
  }
  if (fLast <= 0) fpr[0] = NaN;
  if (tLast <= 0) tpr[0] = NaN;
  return { fpr, tpr, thresholds: th };
}

/** Trapezoidal area `np.trapezoid(y, x)`: pairwise sum of (x[i+1]-x[i]) * (y[i+1]+y[i]) / 2. */
export function trapezoid(y: ArrayLike<number>, x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return 0;
  const terms = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) terms[i] = ((x[i + 1]! - x[i]!) * (y[i + 1]! + y[i]!)) / 2.0;
  return pairwiseSum(terms);
}

/**
 * Area under the ROC curve, like `sklearn.metrics.roc_auc_score` for binary labels: the
 * trapezoid over the (drop-intermediate) ROC points, so tied scores count as half.
 * With only one class in yTrue returns NaN (scikit-learn 1.9 warns and returns NaN).
 */
export function rocAucScore(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number {
  const { fpr, tpr } = rocCurve(yTrue, scores);
  if (Number.isNaN(fpr[fpr.length - 1]!) || Number.isNaN(tpr[tpr.length - 1]!)) return NaN;
  // sklearn's auc() checks direction; fpr is non-decreasing here, so the sign is +1.
  return trapezoid(tpr, fpr);
}

export interface PrecisionRecallCurve {
  /** Increasing threshold order; the last entry is 1 (no threshold). */
  readonly precision: Float64Array;
  /** Decreasing; the last entry is 0. */
  readonly recall: Float64Array;
  /** Distinct scores, increasing; one fewer than precision/recall. */
  readonly thresholds: Float64Array;
}

/**
 * Precision-recall pairs like `sklearn.metrics.precision_recall_curve` (drop_intermediate=false):
 * one point per distinct score in increasing order, then (precision 1, recall 0). Precision with
 * no predicted positive is 0; with no positive label recall is 1 everywhere (sklearn warns).
 */
export function precisionRecallCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>): PrecisionRecallCurve {
  const { fps, tps, thresholds } = thresholdCounts(yTrue, scores);
  const m = fps.length;
  const precision = new Float64Array(m + 1);
  const recall = new Float64Array(m + 1);
  const th = new Float64Array(m);
  const tLast = tps[m - 1]!;
  for (let k = 0; k < m; k++) {
    const i = m - 1 - k;
    const ps = tps[i]! + fps[i]!;
    precision[k] = ps !== 0 ? tps[i]! / ps : 0;
    recall[k] = tLast === 0 ? 1 : tps[i]! / tLast;
    th[k] = thresholds[i]!;
  }
  precision[m] = 1;
  recall[m] = 0;
  return { precision, recall, thresholds: th };
}

/**
 * Average precision (PR-AUC) like `sklearn.metrics.average_precision_score`: the step sum
 * AP = sum_n (R_n - R_{n-1}) P_n over the PR curve (no interpolation, not the trapezoid), clipped
 * at 0. With no positive label the result is 0 (recall is 1 everywhere; sklearn warns).
 */
export function averagePrecisionScore(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number {
  const { precision, recall } = precisionRecallCurve(yTrue, scores);
  const n = recall.length;
  const terms = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) terms[i] = (recall[i + 1]! - recall[i]!) * precision[i]!;
  return Math.max(0, -pairwiseSum(terms));
}
