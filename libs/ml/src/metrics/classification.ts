import { MetricError, checkBinaryInputs } from './validate.js';

/** Binary confusion counts; `matrix` is scikit-learn's layout [[tn, fp], [fn, tp]]. */
export interface ConfusionMatrix {
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
  readonly tp: number;
  readonly matrix: readonly [readonly [number, number], readonly [number, number]];
}

/**
 * What a ratio returns when its denominator is 0, like scikit-learn's `zero_division`. The default
 * 0 matches scikit-learn's default `"warn"` (which returns 0 and emits UndefinedMetricWarning);
 * we return 0 without a warning.
 */
export type ZeroDivision = 0 | 1 | 'nan';

export interface RatioOptions {
  readonly zeroDivision?: ZeroDivision;
}

/**
 * Confusion counts of 0/1 predictions against 0/1 labels (`sklearn.metrics.confusion_matrix`
 * with labels [0, 1]). Both arrays length n >= 1; any value other than 0/1 is an error.
 */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): ConfusionMatrix {
  checkBinaryInputs(yTrue, yPred, 'yPred');
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let tp = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = yPred[i]!;
    if (p !== 0 && p !== 1) throw new MetricError(`yPred must hold 0/1 predictions, got ${p} at index ${i}`);
    if (yTrue[i] === 1) {
      if (p === 1) tp++;
      else fn++;
    } else if (p === 1) fp++;
    else tn++;
  }
  return { tn, fp, fn, tp, matrix: [[tn, fp], [fn, tp]] };
}

function ratio(num: number, den: number, zd: ZeroDivision | undefined): number {
  if (den === 0) return zd === 'nan' ? NaN : (zd ?? 0);
  return num / den;
}

/** (tp + tn) / n, like `sklearn.metrics.accuracy_score`. */
export function accuracyScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const c = confusionMatrix(yTrue, yPred);
  return (c.tp + c.tn) / yTrue.length;
}

/** tp / (tp + fp); no positive prediction -> `zeroDivision` (default 0), like `precision_score`. */
export function precisionScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options: RatioOptions = {}): number {
  const c = confusionMatrix(yTrue, yPred);
  return ratio(c.tp, c.tp + c.fp, options.zeroDivision);
}

/** tp / (tp + fn); no positive label -> `zeroDivision` (default 0), like `recall_score`. */
export function recallScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options: RatioOptions = {}): number {
  const c = confusionMatrix(yTrue, yPred);
  return ratio(c.tp, c.tp + c.fn, options.zeroDivision);
}

/**
 * F1 = 2 tp / (2 tp + fp + fn), scikit-learn's formula (it equals the harmonic mean of precision
 * and recall but stays defined when one of them is); tp = fp = fn = 0 -> `zeroDivision` (default 0).
 */
export function f1Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options: RatioOptions = {}): number {
  const c = confusionMatrix(yTrue, yPred);
  return f1FromCounts(c.tp, c.fp, c.fn, options.zeroDivision);
}

/** F1 from counts: 2 tp / ((tp + fn) + (tp + fp)), as scikit-learn computes it. */
export function f1FromCounts(tp: number, fp: number, fn: number, zeroDivision?: ZeroDivision): number {
  return ratio(2 * tp, tp + fn + (tp + fp), zeroDivision);
}

/** 0/1 predictions: 1 where `scores[i] >= threshold` (scikit-learn's curve convention). */
export function predictAt(scores: ArrayLike<number>, threshold: number): Uint8Array {
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i]! >= threshold ? 1 : 0;
  return out;
}
