import {
  averagePrecisionScore,
  brierScoreLoss,
  chooseThreshold,
  confusionMatrix,
  formatCvAuc,
  logLoss,
  predictAt,
  rocAucScore,
  type CrossValidationResult,
  type Labels,
  type ThresholdStrategy,
} from '@mlops/ml';
import type { CrossValidationReport, SplitMetrics, ThresholdReport } from '@mlops/reporting';
import { TrainingError } from './training.error.js';

/** The config's `training.decision_threshold`. */
export interface DecisionThresholdPolicy {
  readonly strategy: 'max_f1' | 'target_recall' | 'target_precision' | 'fixed';
  readonly target: number | null;
}

/** Config strategy -> libs/ml's {@link ThresholdStrategy} (null for `fixed`). */
export function thresholdStrategy(policy: DecisionThresholdPolicy): ThresholdStrategy | null {
  const { strategy, target } = policy;
  const need = (): number => {
    if (target === null || !(target > 0 && target <= 1))
      throw new TrainingError(
        `training.decision_threshold.target must be in (0, 1] for ${strategy}, got ${String(target)}`,
      );
    return target;
  };
  switch (strategy) {
    case 'max_f1':
      return { kind: 'max-f1' };
    case 'target_recall':
      return { kind: 'target-recall', recall: need() };
    case 'target_precision':
      return { kind: 'target-precision', precision: need() };
    case 'fixed':
      return null;
    default:
      throw new TrainingError(
        `training.decision_threshold.strategy ${String(strategy)} is not one of max_f1, target_recall, target_precision, fixed`,
      );
  }
}

/**
 * The decision threshold of one model, chosen on the VALIDATION split by the config's policy
 * (never on the test split): `max_f1` the F1-maximising score, `target_recall` the highest score
 * whose recall reaches the target, `target_precision` the lowest score whose precision reaches
 * it, `fixed` the target itself. When no score reaches the target the threshold falls back to
 * 0.5 and `how` says so (the gate then judges the model at 0.5, it does not pretend).
 */
export function decideThreshold(
  yValid: Labels,
  pValid: ArrayLike<number>,
  policy: DecisionThresholdPolicy,
): ThresholdReport {
  const strategy = thresholdStrategy(policy);
  const base = { strategy: policy.strategy, target: policy.target, chosenOn: 'validation' as const };
  if (strategy === null) {
    const at = policy.target ?? 0.5;
    return { ...base, value: at, how: `fixed at ${at} by the config` };
  }
  const choice = chooseThreshold(yValid, pValid, strategy);
  if (choice === null) {
    return {
      ...base,
      value: 0.5,
      how: `no validation threshold reaches ${policy.strategy} ${String(policy.target)}; fell back to 0.5`,
    };
  }
  const how =
    strategy.kind === 'max-f1'
      ? `the threshold maximising F1 on the validation split (F1 ${choice.f1.toFixed(3)})`
      : strategy.kind === 'target-recall'
        ? `the highest validation threshold with recall >= ${strategy.recall} (recall ${choice.recall.toFixed(3)}, precision ${choice.precision.toFixed(3)})`
        : `the lowest validation threshold with precision >= ${strategy.precision} (precision ${choice.precision.toFixed(3)}, recall ${choice.recall.toFixed(3)})`;
  return { ...base, value: choice.threshold, how };
}

/**
 * Metrics of one split: threshold-free (ROC-AUC, average precision, log loss, Brier) and at
 * `threshold` (predict churn when p >= threshold): accuracy, precision, recall, F1 of the churn
 * class; precision/recall/F1 are 0 when their denominator is 0 (scikit-learn's zero_division=0).
 */
export function splitMetrics(y: Labels, p: ArrayLike<number>, threshold: number): SplitMetrics {
  const c = confusionMatrix(y, predictAt(p, threshold));
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  return {
    rows: y.length,
    positives: c.tp + c.fn,
    rocAuc: rocAucScore(y, p),
    averagePrecision: averagePrecisionScore(y, p),
    logLoss: logLoss(y, p),
    brierScore: brierScoreLoss(y, p),
    threshold,
    accuracy: (c.tp + c.tn) / y.length,
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
  };
}

/** The metric names the gate, the registry and the contracts use (`roc_auc`, `f1_score`, ...). */
export type MetricName =
  'roc_auc' | 'accuracy' | 'precision' | 'recall' | 'f1_score' | 'pr_auc' | 'log_loss' | 'brier_score';

/** A split's metrics under the registry's snake_case names. */
export function metricRecord(m: SplitMetrics): Record<MetricName, number> {
  return {
    roc_auc: m.rocAuc,
    accuracy: m.accuracy,
    precision: m.precision,
    recall: m.recall,
    f1_score: m.f1,
    pr_auc: m.averagePrecision,
    log_loss: m.logLoss,
    brier_score: m.brierScore,
  };
}

/**
 * The report's cross-validation section from a `crossValidate` result run with the metrics
 * roc_auc, average_precision, accuracy and f1 (a metric not computed reads NaN): per fold, the
 * mean and std of ROC-AUC, and the seed's `CV AUC: m (+/- 2s)` line.
 */
export function crossValidationReport(
  result: CrossValidationResult,
  settings: { folds: number; stratified: boolean; seed: number },
): CrossValidationReport {
  return {
    folds: settings.folds,
    stratified: settings.stratified,
    seed: settings.seed,
    on: 'training split',
    perFold: result.folds.map((f) => ({
      fold: f.fold,
      trainRows: f.trainSize,
      testRows: f.testSize,
      rocAuc: f.metrics.roc_auc ?? NaN,
      averagePrecision: f.metrics.average_precision ?? NaN,
      accuracy: f.metrics.accuracy ?? NaN,
      f1: f.metrics.f1 ?? NaN,
      fitSeconds: Math.round(f.fitSeconds * 1000) / 1000,
    })),
    meanRocAuc: result.mean.roc_auc ?? NaN,
    stdRocAuc: result.std.roc_auc ?? NaN,
    summary: formatCvAuc(result),
  };
}
