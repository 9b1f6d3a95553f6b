/**
 * The model report: one JSON document per trained model with everything a reviewer needs to
 * accept or reject it (metrics, threshold, gates, CV, tuning, explanations, data, timings).
 * Plain data only, so it can be stored with the model version and rendered by {@link renderReportHtml}.
 */

/** Metrics of one split at the chosen decision threshold (threshold-free ones too). */
export interface SplitMetrics {
  readonly rows: number;
  readonly positives: number;
  readonly rocAuc: number;
  readonly averagePrecision: number;
  readonly logLoss: number;
  readonly brierScore: number;
  /** Decision threshold the threshold metrics below use (predict churn when p >= threshold). */
  readonly threshold: number;
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** One promotion gate of `model_validation`: a config threshold checked on the test split. */
export interface GateResult {
  /** Config key, e.g. `min_recall`. */
  readonly name: string;
  /** Key of {@link SplitMetrics}, e.g. `recall`. */
  readonly metric: keyof SplitMetrics;
  readonly minimum: number;
  readonly value: number;
  readonly passed: boolean;
  /** blocking: a miss rejects the model; advisory: reported only. */
  readonly kind: 'blocking' | 'advisory';
}

export interface ThresholdReport {
  /** Config strategy name (`target_recall`, `target_precision`, `max_f1`, `fixed`). */
  readonly strategy: string;
  readonly target: number | null;
  readonly value: number;
  /** Where it was chosen: always `validation` (never the test split). */
  readonly chosenOn: 'validation';
  /** How it was obtained, in one sentence (for humans). */
  readonly how: string;
}

export interface FoldReport {
  readonly fold: number;
  readonly trainRows: number;
  readonly testRows: number;
  readonly rocAuc: number;
  readonly averagePrecision?: number;
  readonly accuracy?: number;
  readonly f1?: number;
  readonly fitSeconds: number;
}

export interface CrossValidationReport {
  readonly folds: number;
  readonly stratified: boolean;
  readonly seed: number;
  /** Rows cross-validated on (the training split). */
  readonly on: string;
  readonly perFold: readonly FoldReport[];
  readonly meanRocAuc: number;
  /** Population standard deviation (numpy ddof=0), as the seed prints it. */
  readonly stdRocAuc: number;
  /** The seed's line: `CV AUC: 0.838 (+/- 0.026)` (mean, 2 * std). */
  readonly summary: string;
}

export interface TrialReport {
  readonly number: number;
  readonly state: 'COMPLETE' | 'PRUNED' | 'FAIL' | 'RUNNING';
  readonly value: number | null;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly seconds: number | null;
}

export interface TuningReport {
  readonly sampler: string;
  readonly pruner: string;
  readonly direction: 'maximize' | 'minimize';
  readonly metric: string;
  readonly trials: readonly TrialReport[];
  readonly best: {
    readonly number: number;
    readonly value: number;
    readonly params: Readonly<Record<string, number | string | boolean>>;
    /** Test ROC-AUC of the best parameters refitted on the training split. */
    readonly testRocAuc: number | null;
  } | null;
  readonly seconds: number;
}

export interface NamedValue {
  readonly feature: string;
  readonly value: number;
}

export interface ModelReport {
  readonly schemaVersion: 1;
  readonly model: {
    readonly name: string;
    readonly version: string;
    readonly algorithm: string;
    readonly createdAt: string;
    readonly params: Readonly<Record<string, unknown>>;
    readonly trees?: number;
    readonly features: number;
  };
  readonly data: {
    readonly source: string;
    readonly rows: number;
    readonly positives: number;
    readonly churnRate: number;
    readonly split: Readonly<
      Record<'train' | 'validation' | 'test', { readonly rows: number; readonly churnRate: number }>
    >;
    readonly splitSeed: number;
  };
  readonly threshold: ThresholdReport;
  readonly metrics: { readonly validation: SplitMetrics; readonly test: SplitMetrics };
  readonly confusionMatrix: {
    readonly split: 'test';
    readonly threshold: number;
    readonly tn: number;
    readonly fp: number;
    readonly fn: number;
    readonly tp: number;
  };
  readonly gates: readonly GateResult[];
  /** True when every blocking gate passed. */
  readonly gatesPassed: boolean;
  readonly crossValidation: CrossValidationReport | null;
  readonly tuning: TuningReport | null;
  readonly featureImportance: { readonly type: string; readonly values: readonly NamedValue[] };
  readonly shap: {
    readonly split: string;
    readonly rows: number;
    readonly baseValue: number;
    readonly meanAbs: readonly NamedValue[];
  } | null;
  readonly lossCurve: {
    readonly train: readonly number[];
    readonly validation: readonly number[];
    readonly bestRound: number;
  } | null;
  /** Seconds per step of the run that produced the report. */
  readonly timings: Readonly<Record<string, number>>;
  /** Chart id -> PNG file name next to the report. */
  readonly charts: Readonly<Record<string, string>>;
}

/** Config threshold name -> the metric it bounds (`training.thresholds`). */
export const GATE_METRICS: Readonly<Record<string, keyof SplitMetrics>> = {
  min_accuracy: 'accuracy',
  min_precision: 'precision',
  min_recall: 'recall',
  min_f1_score: 'f1',
  min_auc_roc: 'rocAuc',
};

/**
 * Checks each config threshold (`min_*`) against the metrics: passed when value >= minimum
 * (NaN never passes). Names not listed in `blocking` are advisory.
 * @throws Error naming a threshold that has no metric in {@link GATE_METRICS}.
 */
export function evaluateGates(
  metrics: SplitMetrics,
  thresholds: Readonly<Record<string, number>>,
  blocking: readonly string[],
): GateResult[] {
  return Object.entries(thresholds).map(([name, minimum]) => {
    const metric = GATE_METRICS[name];
    if (metric === undefined)
      throw new Error(`threshold ${name} has no metric: use one of ${Object.keys(GATE_METRICS).join(', ')}`);
    const value = metrics[metric];
    return {
      name,
      metric,
      minimum,
      value,
      passed: value >= minimum,
      kind: blocking.includes(name) ? 'blocking' : 'advisory',
    };
  });
}
