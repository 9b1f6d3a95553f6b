import { npMean } from './sum.js';
import { MetricError, checkBinaryInputs } from './validate.js';

function checkProbabilities(prob: ArrayLike<number>): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]!;
    if (p < lo) lo = p;
    if (p > hi) hi = p;
  }
  if (hi > 1) throw new MetricError(`probabilities contain values greater than 1: ${hi}`);
  if (lo < 0) throw new MetricError(`probabilities contain values lower than 0: ${lo}`);
}

/**
 * Log loss (binary cross-entropy, natural log) like `sklearn.metrics.log_loss(y, p, labels=[0, 1])`
 * in scikit-learn >= 1.5: the two columns [1 - p, p] are each clipped to [eps, 1 - eps] with
 * eps = 2^-52 (float64 machine epsilon), loss_i = -log(clipped column of the true class), mean by
 * numpy's pairwise sum. Probabilities outside [0, 1] and NaN are errors.
 */
export function logLoss(yTrue: ArrayLike<number>, prob: ArrayLike<number>): number {
  checkBinaryInputs(yTrue, prob, 'prob');
  checkProbabilities(prob);
  const eps = Number.EPSILON;
  const losses = new Float64Array(prob.length);
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]!;
    const col = yTrue[i] === 1 ? p : 1 - p;
    losses[i] = -Math.log(Math.min(Math.max(col, eps), 1 - eps));
  }
  return npMean(losses);
}

/**
 * Brier score like `sklearn.metrics.brier_score_loss` (binary, scale_by_half='auto'): with the
 * two columns [1 - y, y] and [1 - p, p], mean over rows of the summed squared differences, times
 * 0.5, which equals mean((y - p)^2) up to rounding.
 */
export function brierScoreLoss(yTrue: ArrayLike<number>, prob: ArrayLike<number>): number {
  checkBinaryInputs(yTrue, prob, 'prob');
  checkProbabilities(prob);
  const terms = new Float64Array(prob.length);
  for (let i = 0; i < prob.length; i++) {
    const y = yTrue[i]!;
    const p = prob[i]!;
    const d0 = 1 - y - (1 - p);
    const d1 = y - p;
    terms[i] = d0 * d0 + d1 * d1;
  }
  return npMean(terms) * 0.5;
}
