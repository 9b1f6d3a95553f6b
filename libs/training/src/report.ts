import { confusionMatrix, predictAt } from '@mlops/ml';
import type { GateResult, ModelReport, SplitMetrics } from '@mlops/reporting';
import type { Algorithm } from './model-params.js';
import type { TrainingCandidate, TrainingResult } from './pipeline.js';

/** Human names of the learners, for reports. */
export const ALGORITHM_TITLES: Readonly<Record<Algorithm, string>> = {
  xgboost: 'Gradient boosting, depth-wise (seed xgboost parameters)',
  lightgbm: 'Gradient boosting, leaf-wise (seed lightgbm parameters)',
  random_forest: 'Random forest (seed random_forest parameters)',
  logistic_regression: 'Logistic regression on scaled features',
};

const GATE_METRIC: Readonly<Record<string, keyof SplitMetrics>> = {
  min_accuracy: 'accuracy',
  min_precision: 'precision',
  min_recall: 'recall',
  min_f1_score: 'f1',
  min_auc_roc: 'rocAuc',
};

/**
 * The model report (libs/reporting's ModelReport) of the best candidate of a run: data, threshold,
 * validation and test metrics, the test confusion matrix, the configured thresholds on the test
 * split, CV, tuning, mean |SHAP| importance and the loss curve. Charts are listed by the caller
 * that renders them (`charts`).
 */
export function buildModelReport(
  result: TrainingResult,
  options: {
    readonly modelName: string;
    readonly version: string;
    readonly thresholds: Readonly<Record<string, number>>;
    readonly blocking: readonly string[];
    readonly charts?: Readonly<Record<string, string>>;
  },
): ModelReport {
  const best = result.best;
  const test = result.predictions.test;
  const cm = confusionMatrix(test.y, predictAt(test.p, best.threshold.value));
  const gates: GateResult[] = Object.entries(options.thresholds).map(([name, minimum]) => {
    const metric = GATE_METRIC[name] ?? 'accuracy';
    const value = best.metrics.test[metric];
    return {
      name,
      metric,
      minimum,
      value,
      passed: value >= minimum,
      kind: options.blocking.includes(name) ? 'blocking' : 'advisory',
    };
  });
  const t = best.tuning;
  return {
    schemaVersion: 1,
    model: {
      name: options.modelName,
      version: options.version,
      algorithm: ALGORITHM_TITLES[best.algorithm],
      createdAt: new Date().toISOString(),
      params: { ...best.params },
      features: result.featureNames.length,
    },
    data: {
      source: result.data.source,
      rows: result.data.rows,
      positives: result.data.positives,
      churnRate: result.data.churnRate,
      split: result.data.split,
      splitSeed: result.data.splitSeed,
    },
    threshold: best.threshold,
    metrics: best.metrics,
    confusionMatrix: {
      split: 'test',
      threshold: best.threshold.value,
      tn: cm.tn,
      fp: cm.fp,
      fn: cm.fn,
      tp: cm.tp,
    },
    gates,
    gatesPassed: gates.every((g) => g.passed || g.kind !== 'blocking'),
    crossValidation: result.cv,
    tuning:
      t === null
        ? null
        : {
            sampler: `TPE (Optuna defaults, seed ${result.data.splitSeed})`,
            pruner: 'median pruner on per-round validation AUC (boosting)',
            direction: 'maximize',
            metric: 'validation ROC-AUC',
            trials: t.trials,
            best:
              t.bestTrial === null
                ? null
                : {
                    number: t.bestTrial,
                    value: t.bestValue!,
                    params: t.bestParams!,
                    testRocAuc: best.metrics.test.rocAuc,
                  },
            seconds: t.seconds,
          },
    featureImportance: {
      type: `mean |SHAP| (${result.featureImportance.method}, test split)`,
      values: result.featureImportance.values,
    },
    shap: {
      split: 'test',
      rows: result.featureImportance.rows,
      baseValue: result.featureImportance.baseValue,
      meanAbs: result.featureImportance.values,
    },
    lossCurve: best.lossCurve,
    timings: result.timings,
    charts: options.charts ?? {},
  };
}

/** A candidate without the bulky parts, for JSON. */
function candidateSummary(c: TrainingCandidate): Record<string, unknown> {
  return {
    algorithm: c.algorithm,
    params: c.params,
    learnerParams: c.learnerParams,
    threshold: c.threshold,
    metrics: c.metrics,
    tuning: c.tuning,
    timings: c.timings,
    rounds: c.lossCurve?.train.length ?? null,
  };
}

/** The result as JSON-ready data (no ONNX bytes, predictions or fitted objects). */
export function trainingResultJson(
  result: TrainingResult,
  extra: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  return {
    data: result.data,
    best: result.best.algorithm,
    threshold: result.threshold,
    candidates: result.candidates.map(candidateSummary),
    crossValidation: result.cv,
    onnx: { sha256: result.onnx.sha256, sizeBytes: result.onnx.sizeBytes },
    inputSchema: result.inputSchema,
    featureNames: result.featureNames,
    featureImportance: result.featureImportance,
    timings: result.timings,
    ...extra,
  };
}
