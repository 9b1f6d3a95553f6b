import { f1FromCounts } from './classification.js';
import { thresholdCounts } from './ranking.js';
import { MetricError } from './validate.js';

/** How to pick the decision threshold on the validation split. */
export type ThresholdStrategy =
  | { readonly kind: 'max-f1' }
  /** The highest threshold whose recall reaches `recall` (the most precise way to get that recall). */
  | { readonly kind: 'target-recall'; readonly recall: number }
  /** The lowest threshold whose precision reaches `precision` (the most recall at that precision). */
  | { readonly kind: 'target-precision'; readonly precision: number };

/** The chosen threshold and the metrics of `score >= threshold` on the data it was chosen on. */
export interface ThresholdChoice {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly accuracy: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/**
 * Chooses a decision threshold among the distinct scores (predict positive when score >=
 * threshold), from one pass over the sorted scores. Ties in F1 go to the higher threshold.
 * Precision with no predicted positive is 0 (sklearn's zero_division default).
 *
 * @returns the choice, or `null` when no threshold reaches the target (a gate must not pretend).
 * @throws MetricError when the labels have no positive (every strategy is undefined then) or a
 *   target is outside (0, 1].
 */
export function chooseThreshold(yTrue: ArrayLike<number>, scores: ArrayLike<number>, strategy: ThresholdStrategy): ThresholdChoice | null {
  const { fps, tps, thresholds } = thresholdCounts(yTrue, scores);
  const m = tps.length;
  const P = tps[m - 1]!;
  const N = fps[m - 1]!;
  if (P === 0) throw new MetricError('chooseThreshold: yTrue has no positive label; a threshold cannot be chosen');
  const at = (i: number): ThresholdChoice => {
    const tp = tps[i]!;
    const fp = fps[i]!;
    const fn = P - tp;
    const tn = N - fp;
    return {
      threshold: thresholds[i]!,
      precision: tp + fp === 0 ? 0 : tp / (tp + fp),
      recall: tp / P,
      f1: f1FromCounts(tp, fp, fn),
      accuracy: (tp + tn) / (P + N),
      tp,
      fp,
      tn,
      fn,
    };
  };
  // Index i = i-th distinct score in decreasing order: higher i = lower threshold.
  if (strategy.kind === 'max-f1') {
    let best = 0;
    let bestF1 = -1;
    for (let i = 0; i < m; i++) {
      const f1 = f1FromCounts(tps[i]!, fps[i]!, P - tps[i]!);
      if (f1 > bestF1) {
        bestF1 = f1;
        best = i;
      }
    }
    return at(best);
  }
  if (strategy.kind === 'target-recall') {
    checkTarget('recall', strategy.recall);
    for (let i = 0; i < m; i++) if (tps[i]! / P >= strategy.recall) return at(i);
    return null;
  }
  if (strategy.kind === 'target-precision') {
    checkTarget('precision', strategy.precision);
    for (let i = m - 1; i >= 0; i--) {
      const ps = tps[i]! + fps[i]!;
      if (ps > 0 && tps[i]! / ps >= strategy.precision) return at(i);
    }
    return null;
  }
  throw new MetricError(`unknown threshold strategy ${JSON.stringify(strategy)}; use max-f1, target-recall or target-precision`);
}

function checkTarget(name: string, v: number): void {
  if (!(v > 0 && v <= 1)) throw new MetricError(`target ${name} must be in (0, 1], got ${v}`);
}
