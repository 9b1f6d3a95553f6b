import type { PlatformConfig } from '@mlops/config';
import type { ColumnSpec } from '@mlops/contracts';
import {
  GradientBoostingClassifier,
  LogisticRegression,
  MedianPruner,
  Preprocessor,
  RandomForestClassifier,
  Study,
  TELCO_FEATURES,
  TpeSampler,
  TrialPruned,
  crossValidate,
  describePipeline,
  exportPipelineToOnnx,
  fitFeatures,
  logLoss,
  meanAbsShap,
  readCsvFile,
  rocAucScore,
  searchSpaceFromConfig,
  shapValues,
  stratifiedSplit,
  takeLabels,
  takeRows,
  type Classifier,
  type Dataset,
  type FeatureSpec,
  type FitOptions,
  type FittedFeatures,
  type Labels,
  type Matrix,
  type ParamValue,
  type RoundInfo,
  type StepSpec,
  type TrialState,
} from '@mlops/ml';
import type { CrossValidationReport, NamedValue, SplitMetrics, ThresholdReport } from '@mlops/reporting';
import { sha256Hex } from './digest.js';
import {
  createExplainerArtifact,
  encodeExplainerArtifact,
  linearShapBackground,
  linearShapRow,
} from './explain/explainer-artifact.js';
import { crossValidationReport, decideThreshold, splitMetrics } from './evaluation.js';
import { ALGORITHMS, createLearner, type Algorithm, type SnakeParams } from './model-params.js';
import type { ProgressListener, RoundProgress } from './progress.js';
import { TrainingError, TrainingErrorCode } from './training.error.js';

/** The parts of the platform config training reads. */
export type TrainingConfig = Pick<PlatformConfig, 'data' | 'training'>;

export interface RunTrainingOptions {
  /** The raw dataset (as `readCsvFile` gives it); or `csvPath`. */
  readonly dataset?: Dataset;
  /** CSV file of the raw data, read with the config's `data` schema. */
  readonly csvPath?: string;
  readonly config: TrainingConfig;
  /** Train on a stratified, seeded share of the rows, in (0, 1]; default 1 (all rows). */
  readonly sampleRatio?: number;
  /** Models to train, in this order; default every model of `training.models`. */
  readonly models?: readonly Algorithm[];
  /**
   * Tuning: default `training.hyperparameter_tuning` (enabled, n_trials, timeout). Each model
   * with a search space gets its own TPE study on validation ROC-AUC.
   */
  readonly tuning?: {
    readonly enabled?: boolean;
    readonly nTrials?: number;
    readonly timeoutSeconds?: number;
  };
  /** Cross-validation folds of the best model; default `training.cross_validation.n_folds`; 0 skips it. */
  readonly cvFolds?: number;
  /** Worker threads for the learners that have them (default 1). */
  readonly nThreads?: number;
  /** Rows of the test split explained by SHAP (default all of them). */
  readonly shapRows?: number;
  readonly onProgress?: ProgressListener;
}

/** One TPE study of a candidate. */
export interface TuningSummary {
  readonly nTrials: number;
  readonly completed: number;
  readonly pruned: number;
  readonly failed: number;
  readonly metric: 'validation roc_auc';
  readonly bestTrial: number | null;
  readonly bestValue: number | null;
  /** The sampled parameters of the best trial (config names). */
  readonly bestParams: Readonly<Record<string, ParamValue>> | null;
  readonly trials: readonly {
    readonly number: number;
    readonly state: TrialState;
    readonly value: number | null;
    readonly params: Readonly<Record<string, ParamValue>>;
    readonly seconds: number | null;
  }[];
  readonly seconds: number;
}

/** One trained model. */
export interface TrainingCandidate {
  readonly algorithm: Algorithm;
  /** The parameters it was fitted with, as the config names them (seed values, tuned ones over them). */
  readonly params: SnakeParams;
  /** The same as our learner's parameters (`getParams()`). */
  readonly learnerParams: Readonly<Record<string, unknown>>;
  readonly tuning: TuningSummary | null;
  /** Decision threshold of this model, chosen on its validation predictions. */
  readonly threshold: ThresholdReport;
  readonly metrics: { readonly validation: SplitMetrics; readonly test: SplitMetrics };
  /** Per-round training and validation log loss (gradient boosting only). */
  readonly lossCurve: {
    readonly train: readonly number[];
    readonly validation: readonly number[];
    readonly bestRound: number;
  } | null;
  readonly timings: {
    readonly tuneSeconds: number;
    readonly fitSeconds: number;
    readonly predictSeconds: number;
  };
}

export interface TrainingResult {
  readonly data: {
    readonly source: string;
    /** Rows used (after sampling). */
    readonly rows: number;
    readonly rowsAvailable: number;
    readonly sampleRatio: number;
    readonly positives: number;
    readonly churnRate: number;
    readonly split: Readonly<
      Record<'train' | 'validation' | 'test', { readonly rows: number; readonly churnRate: number }>
    >;
    readonly splitSeed: number;
  };
  /** Model columns after preprocessing, in order. */
  readonly featureNames: readonly string[];
  /** Raw columns the ONNX model reads (numerics as `float`, categoricals as `string`). */
  readonly inputSchema: readonly ColumnSpec[];
  readonly candidates: readonly TrainingCandidate[];
  /** The candidate with the highest validation ROC-AUC. */
  readonly best: TrainingCandidate;
  readonly threshold: ThresholdReport;
  readonly cv: CrossValidationReport | null;
  /** The whole fitted pipeline of the best model as ONNX (raw columns in, probabilities out). */
  readonly onnx: { readonly bytes: Uint8Array; readonly sha256: string; readonly sizeBytes: number };
  /**
   * The best pipeline's explainer artifact (`model/explainer.json` of the run: fitted features,
   * preprocessing, the model as libs/ml JSON, and the linear SHAP background), so serving explains
   * a registered version as this process does (see explain/explainer-artifact.ts).
   */
  readonly explainer: {
    readonly bytes: Uint8Array;
    readonly sha256: string;
    readonly method: 'tree_shap' | 'linear_shap';
  };
  /** Mean |SHAP| per model column on the test split (TreeSHAP for trees, linear SHAP for logistic regression). */
  readonly featureImportance: {
    readonly method: 'tree_shap' | 'linear_shap';
    readonly split: 'test';
    readonly rows: number;
    readonly baseValue: number;
    readonly values: readonly NamedValue[];
  };
  /** The best model's predictions (for charts): labels and probabilities of validation and test. */
  readonly predictions: {
    readonly validation: { readonly y: Labels; readonly p: Float64Array };
    readonly test: { readonly y: Labels; readonly p: Float64Array };
  };
  /** Raw rows of the test split (a few, as records) for checking the ONNX artifact. */
  readonly sampleRows: readonly Readonly<Record<string, number | string | null>>[];
  /** The fitted best pipeline, in process (not serializable). */
  readonly fitted: {
    readonly features: FittedFeatures;
    readonly preprocessor: Preprocessor;
    readonly model: Classifier<object>;
  };
  readonly timings: Readonly<Record<string, number>>;
}

interface Part {
  readonly x: Matrix;
  readonly y: Labels;
}

const SAMPLE_ROWS = 200;

/**
 * The seed's training pipeline on the Telco data:
 *   raw rows -> (optional seeded stratified sample) -> stratified train/validation/test split
 *   (`training.split`: test_size of all rows, validation_size of all rows, seed random_state)
 *   -> the seed's derived features (TELCO_FEATURES, is_high_risk median learned on train)
 *   -> preprocessing fitted on train (numeric: median imputation + standard scaling; categorical:
 *   one-hot, unknown -> zeros) -> for every configured model: TPE tuning on validation ROC-AUC when
 *   enabled (the config's search space, n_trials, timeout; median pruner on per-round AUC for
 *   boosting), the final fit, the decision threshold on validation by `decision_threshold`,
 *   metrics on validation and test -> the best by validation ROC-AUC -> k-fold CV of the best on
 *   the training split -> the best pipeline exported to ONNX -> mean |SHAP| on the test split.
 *
 * Progress goes to `onProgress` (per model, per round, per trial). Everything is seeded: the same
 * input and config give the same models and numbers.
 *
 * @throws TrainingError naming the bad option (no data, bad sampleRatio, unknown model, an
 *   unsupported tuning metric, a non-stratified split).
 */
export async function runTraining(options: RunTrainingOptions): Promise<TrainingResult> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const time = <T>(step: string, f: () => T): T => {
    const s = performance.now();
    const r = f();
    timings[step] = seconds(s);
    return r;
  };
  const emit = options.onProgress ?? ((): void => undefined);
  const { config } = options;
  const training = config.training;
  const nThreads = options.nThreads ?? 1;
  const models = options.models ?? ALGORITHMS.filter((a) => a in training.models);
  if (models.length === 0)
    throw new TrainingError('models is empty: train at least one of ' + ALGORITHMS.join(', '));
  for (const m of models) {
    if (!(ALGORITHMS as readonly string[]).includes(m))
      throw new TrainingError(`models: unknown model ${String(m)}; use ${ALGORITHMS.join(', ')}`);
  }
  const ratio = options.sampleRatio ?? 1;
  if (!(ratio > 0 && ratio <= 1)) throw new TrainingError(`sampleRatio must be in (0, 1], got ${ratio}`);
  const split = training.split;
  if (!split.stratify)
    throw new TrainingError(
      'training.split.stratify false is not supported: the platform splits stratified on the target',
    );
  const tuningCfg = training.hyperparameter_tuning;
  const tuneEnabled = options.tuning?.enabled ?? tuningCfg.enabled;
  const nTrials = options.tuning?.nTrials ?? tuningCfg.n_trials;
  if (tuneEnabled && tuningCfg.metric !== 'roc_auc')
    throw new TrainingError(
      `training.hyperparameter_tuning.metric ${tuningCfg.metric} is not supported: use roc_auc (validation ROC-AUC)`,
    );
  const cvFolds = options.cvFolds ?? training.cross_validation.n_folds;

  // ---- data ------------------------------------------------------------------------------
  emit({
    kind: 'step',
    step: 'read',
    message: options.dataset ? 'dataset given' : `reading ${options.csvPath ?? '(none)'}`,
  });
  let raw: Dataset;
  const source = options.csvPath ?? 'dataset';
  if (options.dataset) raw = options.dataset;
  else if (options.csvPath) {
    const s = performance.now();
    raw = await readTrainingCsv(options.csvPath, config);
    timings['read'] = seconds(s);
  } else throw new TrainingError('give dataset or csvPath: the rows to train on');
  const rowsAvailable = raw.rowCount;
  emit({
    kind: 'step',
    step: 'split',
    message: `${ratio < 1 ? `a ${ratio} sample of ` : ''}${rowsAvailable} rows, stratified split`,
  });
  const prepared = splitData(raw, config, ratio);
  raw = prepared.raw;
  const { y, idx } = prepared;

  // ---- features and preprocessing (fitted on the training rows) ---------------------------
  emit({
    kind: 'step',
    step: 'features',
    message: 'feature engineering and preprocessing fitted on the training split',
  });
  const { features, preprocessor, x } = time('features', () => buildFeatures(raw, idx.train, config));
  const part = (rows: Int32Array): Part => ({ x: takeRows(x, rows), y: takeLabels(y, rows) });
  const train = part(idx.train);
  const valid = part(idx.validation);
  const test = part(idx.test);

  // ---- candidates ------------------------------------------------------------------------
  const fitted = new Map<Algorithm, Classifier<object>>();
  const preds = new Map<Algorithm, { pValid: Float64Array; pTest: Float64Array }>();
  const candidates: TrainingCandidate[] = [];
  for (const algorithm of models) {
    const started = performance.now();
    const seedParams = training.models[algorithm] as SnakeParams;
    const space = tuningCfg.search_spaces[algorithm as keyof typeof tuningCfg.search_spaces];
    let tuning: TuningSummary | null = null;
    let params: SnakeParams = { ...seedParams };
    if (tuneEnabled && space !== undefined && Object.keys(space).length > 0 && nTrials > 0) {
      tuning = await tune(algorithm, seedParams, space as Readonly<Record<string, unknown>>, train, valid, {
        nTrials,
        timeoutSeconds: options.tuning?.timeoutSeconds ?? tuningCfg.timeout,
        seed: split.random_state,
        nThreads,
        emit,
      });
      if (tuning.bestParams !== null) params = { ...seedParams, ...tuning.bestParams };
    }
    const learner = createLearner(algorithm, params, { nThreads });
    const trainLoss: number[] = [];
    const validLoss: number[] = [];
    const fitStart = performance.now();
    fitWithProgress(learner, algorithm, train, valid, { phase: 'final_fit' }, emit, (info) => {
      trainLoss.push(info.trainLoss);
      if (info.validLoss !== undefined) validLoss.push(info.validLoss);
    });
    const fitSeconds = seconds(fitStart);
    const predictStart = performance.now();
    const pValid = learner.predictProba(valid.x);
    const pTest = learner.predictProba(test.x);
    const predictSeconds = seconds(predictStart);
    const threshold = decideThreshold(valid.y, pValid, training.decision_threshold);
    const metrics = {
      validation: splitMetrics(valid.y, pValid, threshold.value),
      test: splitMetrics(test.y, pTest, threshold.value),
    };
    let bestRound = validLoss.length - 1;
    for (let i = 0; i < validLoss.length; i++) if (validLoss[i]! < validLoss[bestRound]!) bestRound = i;
    candidates.push({
      algorithm,
      params,
      learnerParams: { ...learner.getParams() },
      tuning,
      threshold,
      metrics,
      lossCurve: trainLoss.length > 1 ? { train: trainLoss, validation: validLoss, bestRound } : null,
      timings: { tuneSeconds: tuning?.seconds ?? 0, fitSeconds, predictSeconds },
    });
    fitted.set(algorithm, learner);
    preds.set(algorithm, { pValid, pTest });
    emit({
      kind: 'model-finished',
      model: algorithm,
      validationRocAuc: metrics.validation.rocAuc,
      testRocAuc: metrics.test.rocAuc,
      threshold: threshold.value,
      seconds: seconds(started),
    });
  }
  timings['models'] = round(
    candidates.reduce(
      (s, c) => s + c.timings.tuneSeconds + c.timings.fitSeconds + c.timings.predictSeconds,
      0,
    ),
    3,
  );

  // ---- the best, its CV, ONNX and explanation -------------------------------------------
  emit({ kind: 'step', step: 'select', message: 'best model by validation ROC-AUC' });
  let best = candidates[0]!;
  for (const c of candidates) if (c.metrics.validation.rocAuc > best.metrics.validation.rocAuc) best = c;
  const model = fitted.get(best.algorithm)!;

  let cv: CrossValidationReport | null = null;
  if (cvFolds >= 2) {
    const s = performance.now();
    const r = crossValidate(
      (fold) =>
        new ProgressLearner(
          createLearner(best.algorithm, best.params, { nThreads }),
          best.algorithm,
          fold,
          cvFolds,
          emit,
        ),
      train.x,
      train.y,
      {
        folds: cvFolds,
        seed: split.random_state,
        stratified: training.cross_validation.stratified,
        metrics: ['roc_auc', 'average_precision', 'accuracy', 'f1'],
      },
    );
    cv = crossValidationReport(r, {
      folds: cvFolds,
      stratified: training.cross_validation.stratified,
      seed: split.random_state,
    });
    timings['cross_validation'] = seconds(s);
  }

  emit({ kind: 'step', step: 'export', message: `exporting the ${best.algorithm} pipeline to ONNX` });
  const onnxBytes = time('onnx_export', () =>
    exportPipelineToOnnx({ features, preprocessor, model: model as ExportableModel }),
  );
  const inputSchema: ColumnSpec[] = describePipeline(preprocessor, features).rawColumns.map((c) => ({
    name: c.name,
    type: c.type === 'numeric' ? 'float' : 'string',
  }));

  emit({ kind: 'step', step: 'explain', message: 'mean |SHAP| on the test split' });
  const shapRows = Math.min(options.shapRows ?? test.x.rows, test.x.rows);
  const explained =
    shapRows < test.x.rows
      ? takeRows(
          test.x,
          Int32Array.from({ length: shapRows }, (_, i) => i),
        )
      : test.x;
  const featureImportance = time('shap', () => explain(model, train.x, explained));
  const explainerArtifact = createExplainerArtifact({ features, preprocessor, model }, train.x);

  const testRaw = raw.take(idx.test.subarray(0, Math.min(SAMPLE_ROWS, idx.test.length)));
  const sampleRows = Array.from({ length: testRaw.rowCount }, (_, r) => testRaw.record(r));
  const p = preds.get(best.algorithm)!;
  timings['total'] = seconds(t0);
  return {
    data: {
      source,
      rows: raw.rowCount,
      rowsAvailable,
      sampleRatio: ratio,
      positives: count(y),
      churnRate: rate(y),
      split: {
        train: { rows: train.y.length, churnRate: rate(train.y) },
        validation: { rows: valid.y.length, churnRate: rate(valid.y) },
        test: { rows: test.y.length, churnRate: rate(test.y) },
      },
      splitSeed: split.random_state,
    },
    featureNames: [...x.columnNames],
    inputSchema,
    candidates,
    best,
    threshold: best.threshold,
    cv,
    onnx: { bytes: onnxBytes, sha256: sha256Hex(onnxBytes), sizeBytes: onnxBytes.length },
    explainer: { ...encodeExplainerArtifact(explainerArtifact), method: explainerArtifact.method },
    featureImportance: { ...featureImportance, split: 'test', rows: explained.rows },
    predictions: { validation: { y: valid.y, p: p.pValid }, test: { y: test.y, p: p.pTest } },
    sampleRows,
    fitted: { features, preprocessor, model },
    timings,
  };
}

/**
 * The rows a run trains and tests on: a seeded stratified sample of `sampleRatio` of the rows
 * (all when 1), then the seeded stratified train/validation/test split of `training.split`
 * (test_size and validation_size are shares of all rows). `validate-model` calls it to find the
 * same test rows the training run held out.
 */
export function splitData(
  raw: Dataset,
  config: TrainingConfig,
  sampleRatio = 1,
): { raw: Dataset; y: Labels; idx: { train: Int32Array; validation: Int32Array; test: Int32Array } } {
  if (!(sampleRatio > 0 && sampleRatio <= 1))
    throw new TrainingError(`sampleRatio must be in (0, 1], got ${sampleRatio}`);
  const target = config.data.target;
  if (!raw.has(target.column))
    throw new TrainingError(
      `the data has no target column '${target.column}' (config data.target.column)`,
      TrainingErrorCode.DataError,
    );
  const split = config.training.split;
  let y = raw.labels(target.column, target.positive_label);
  if (sampleRatio < 1) {
    const keep = stratifiedSplit(y, { testSize: 1 - sampleRatio, seed: split.random_state }).train;
    raw = raw.take(keep);
    y = takeLabels(y, keep);
  }
  const idx = stratifiedSplit(y, {
    testSize: split.test_size,
    validationSize: split.validation_size / (1 - split.test_size),
    seed: split.random_state,
  });
  return { raw, y, idx };
}

/** Reads a CSV with the config's `data` schema. */
export async function readTrainingCsv(path: string, config: TrainingConfig): Promise<Dataset> {
  try {
    return (await readCsvFile(path, { schema: csvSchema(config) })).dataset;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new TrainingError(
        `no data file at ${path}: pass --data-path with the CSV to train on`,
        TrainingErrorCode.DataError,
      );
    throw e;
  }
}

type ExportableModel = GradientBoostingClassifier | RandomForestClassifier | LogisticRegression;

/** The CSV schema of the config's `data` section (id, target, numeric and categorical columns). */
export function csvSchema(
  config: TrainingConfig,
): Record<string, 'id' | 'target' | 'numeric' | 'categorical'> {
  const d = config.data;
  const schema: Record<string, 'id' | 'target' | 'numeric' | 'categorical'> = {
    [d.id_column]: 'id',
    [d.target.column]: 'target',
  };
  for (const c of d.numeric_features) schema[c] = 'numeric';
  for (const c of d.categorical_features) schema[c] = 'categorical';
  return schema;
}

/**
 * The seed's derived features fitted on the training rows, then the preprocessing fitted on the
 * training rows: numeric columns (raw and derived) median-imputed and standardized, categorical
 * ones (raw and the tenure bins) one-hot encoded. Standardizing does not change the trees'
 * splits (quantile bins and exact thresholds follow a monotone map) and the logistic regression
 * needs it (the config says: "on scaled features").
 */
export function buildFeatures(
  raw: Dataset,
  trainRows: Int32Array,
  config: TrainingConfig,
  spec: FeatureSpec = TELCO_FEATURES,
): { features: FittedFeatures; preprocessor: Preprocessor; x: Matrix } {
  const features = fitFeatures(spec, raw.take(trainRows));
  const ds = features.apply(raw);
  const derivedNumeric = spec.features.filter((f) => f.kind !== 'bins').map((f) => f.name);
  const derivedCategorical = spec.features.filter((f) => f.kind === 'bins').map((f) => f.name);
  const steps: StepSpec[] = [
    ...[...config.data.numeric_features, ...derivedNumeric].map((column): StepSpec => ({
      column,
      kind: 'numeric',
      impute: 'median',
      scale: true,
    })),
    ...[...config.data.categorical_features, ...derivedCategorical].map((column): StepSpec => ({
      column,
      kind: 'onehot',
      handleUnknown: 'ignore',
    })),
  ];
  const preprocessor = new Preprocessor({ steps }).fit(ds.take(trainRows));
  return { features, preprocessor, x: preprocessor.transform(ds) };
}

/** Rounds a learner reports: boosting rounds, forest trees, or 1 (logistic regression: known after the fit). */
function plannedRounds(learner: Classifier<object>): number {
  const p = learner.getParams() as { nEstimators?: number };
  return learner instanceof LogisticRegression ? 1 : (p.nEstimators ?? 1);
}

interface FitContext {
  readonly phase: 'tuning' | 'cross_validation' | 'final_fit';
  readonly trial?: number;
  readonly fold?: number;
}

/**
 * Fits with progress: boosting reports each round (validation loss and AUC when a validation
 * split is given); a forest or a logistic regression reports once after its fit, with its
 * training log loss. `onRound` may stop boosting (tuning's pruner) by returning false.
 */
function fitWithProgress(
  learner: Classifier<object>,
  model: Algorithm,
  train: Part,
  valid: Part | null,
  ctx: FitContext,
  emit: ProgressListener,
  onRound?: (info: RoundInfo) => boolean | void,
): void {
  const totalRounds = plannedRounds(learner);
  const extra = {
    ...(ctx.trial !== undefined ? { trial: ctx.trial } : {}),
    ...(ctx.fold !== undefined ? { fold: ctx.fold } : {}),
  };
  emit({ kind: 'fit-started', model, phase: ctx.phase, totalRounds, ...extra });
  if (learner instanceof GradientBoostingClassifier) {
    const options: FitOptions = {
      ...(valid ? { validation: valid } : {}),
      onRound: (info) => {
        const progress: RoundProgress = {
          model,
          phase: ctx.phase,
          round: info.round + 1,
          totalRounds,
          trainLoss: info.trainLoss,
          ...(info.validLoss !== undefined ? { validLoss: info.validLoss } : {}),
          ...(info.validAuc !== undefined && Number.isFinite(info.validAuc)
            ? { validAuc: info.validAuc }
            : {}),
          ...extra,
        };
        emit({ kind: 'round', progress });
        return onRound?.(info);
      },
    };
    learner.fit(train.x, train.y, options);
    return;
  }
  learner.fit(train.x, train.y);
  const trainLoss = logLoss(train.y, learner.predictProba(train.x));
  const rounds = learner instanceof LogisticRegression ? Math.max(1, learner.nIter) : totalRounds;
  const info: RoundInfo = { round: rounds - 1, trainLoss };
  let validAuc: number | undefined;
  if (valid) {
    const pv = learner.predictProba(valid.x);
    info.validLoss = logLoss(valid.y, pv);
    validAuc = rocAucScore(valid.y, pv);
    info.validAuc = validAuc;
  }
  emit({
    kind: 'round',
    progress: {
      model,
      phase: ctx.phase,
      round: rounds,
      totalRounds: rounds,
      trainLoss,
      ...(info.validLoss !== undefined ? { validLoss: info.validLoss } : {}),
      ...(validAuc !== undefined && Number.isFinite(validAuc) ? { validAuc } : {}),
      ...extra,
    },
  });
  onRound?.(info);
}

/** A learner that reports its fit as a cross-validation fold (crossValidate builds one per fold). */
class ProgressLearner implements Classifier<object> {
  readonly kind: string;
  constructor(
    private readonly inner: Classifier<object>,
    private readonly model: Algorithm,
    private readonly fold: number,
    private readonly totalFolds: number,
    private readonly emit: ProgressListener,
  ) {
    this.kind = inner.kind;
  }
  fit(x: Matrix, y: Labels): this {
    fitWithProgress(
      this.inner,
      this.model,
      { x, y },
      null,
      { phase: 'cross_validation', fold: this.fold },
      (e) => this.emit(e.kind === 'fit-started' ? { ...e, totalFolds: this.totalFolds } : e),
    );
    return this;
  }
  predictProba(x: Matrix): Float64Array {
    return this.inner.predictProba(x);
  }
  getParams(): object {
    return this.inner.getParams();
  }
  toJSON(): ReturnType<Classifier<object>['toJSON']> {
    return this.inner.toJSON();
  }
}

interface TuneOptions {
  readonly nTrials: number;
  readonly timeoutSeconds: number;
  readonly seed: number;
  readonly nThreads: number;
  readonly emit: ProgressListener;
}

/**
 * A TPE study (Optuna defaults, seeded) of one model on validation ROC-AUC: each trial fits the
 * seed parameters overridden by the sampled ones; boosting reports the validation AUC after each
 * round to the median pruner (Optuna's XGBoostPruningCallback), a pruned trial stops early.
 */
async function tune(
  algorithm: Algorithm,
  seedParams: SnakeParams,
  spaceSection: Readonly<Record<string, unknown>>,
  train: Part,
  valid: Part,
  o: TuneOptions,
): Promise<TuningSummary> {
  const s = performance.now();
  const space = searchSpaceFromConfig(spaceSection);
  const study = await Study.create({
    direction: 'maximize',
    studyName: `training-${algorithm}`,
    sampler: new TpeSampler({ seed: o.seed }),
    pruner: new MedianPruner(),
  });
  const boosting = algorithm === 'xgboost' || algorithm === 'lightgbm';
  await study.optimize(
    (trial) => {
      const sampled = trial.suggestAll(space);
      const learner = createLearner(algorithm, { ...seedParams, ...sampled }, { nThreads: o.nThreads });
      let pruned = false;
      let lastRound = -1;
      fitWithProgress(
        learner,
        algorithm,
        train,
        valid,
        { phase: 'tuning', trial: trial.number },
        (e) => o.emit(e.kind === 'fit-started' ? { ...e, totalTrials: o.nTrials } : e),
        (info) => {
          if (!boosting || info.validAuc === undefined) return true;
          trial.report(info.validAuc, info.round);
          lastRound = info.round;
          pruned = trial.shouldPrune();
          return !pruned;
        },
      );
      if (pruned) throw new TrialPruned(`trial ${trial.number} pruned at round ${lastRound + 1}`);
      return rocAucScore(valid.y, learner.predictProba(valid.x));
    },
    {
      nTrials: o.nTrials,
      timeoutSeconds: o.timeoutSeconds,
      onTrialFinished: (t, st) => {
        const done = st.trials.some((x) => x.state === 'COMPLETE');
        o.emit({
          kind: 'trial-finished',
          model: algorithm,
          trial: t.number,
          totalTrials: o.nTrials,
          state: t.state,
          value: t.value,
          bestValue: done ? st.bestValue : null,
        });
      },
    },
  );
  return summarize(study, o.nTrials, s);
}

function summarize(study: Study, nTrials: number, started: number): TuningSummary {
  const trials = study.trials.map((t) => ({
    number: t.number,
    state: t.state,
    value: t.value,
    params: t.params,
    seconds: t.completedAt === null ? null : round((t.completedAt - t.startedAt) / 1000, 3),
  }));
  const complete = trials.filter((t) => t.state === 'COMPLETE');
  const b = complete.length > 0 ? study.bestTrial : null;
  return {
    nTrials,
    completed: complete.length,
    pruned: trials.filter((t) => t.state === 'PRUNED').length,
    failed: trials.filter((t) => t.state === 'FAIL').length,
    metric: 'validation roc_auc',
    bestTrial: b?.number ?? null,
    bestValue: b?.value ?? null,
    bestParams: b?.params ?? null,
    trials,
    seconds: seconds(started),
  };
}

/**
 * Mean |SHAP| per model column: exact path-dependent TreeSHAP for tree models; for logistic
 * regression the linear SHAP values of the log-odds with independent features (shap's
 * LinearExplainer, interventional), phi_ij = coef_j * (x_ij - mean_j), means over the training rows.
 */
function explain(
  model: Classifier<object>,
  trainX: Matrix,
  x: Matrix,
): { method: 'tree_shap' | 'linear_shap'; baseValue: number; values: NamedValue[] } {
  if (model instanceof LogisticRegression) {
    const coef = model.coef;
    const n = x.rows;
    const nF = x.cols;
    const mean = linearShapBackground(trainX);
    const values = new Float64Array(n * nF);
    const row = new Float64Array(nF);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < nF; c++) row[c] = x.data[c * n + r]!;
      values.set(linearShapRow(coef, model.intercept, mean, row).values, r * nF);
    }
    const base = linearShapRow(coef, model.intercept, mean, mean).baseValue;
    return {
      method: 'linear_shap',
      baseValue: base,
      values: sortDesc(meanAbsShap(values, n, x.columnNames)),
    };
  }
  if (model instanceof GradientBoostingClassifier || model instanceof RandomForestClassifier) {
    const shap = shapValues(model.toEnsemble(), x);
    return {
      method: 'tree_shap',
      baseValue: shap.baseValue,
      values: sortDesc(meanAbsShap(shap.values, shap.rows, x.columnNames)),
    };
  }
  throw new TrainingError(`no explanation for a ${model.kind} model`);
}

function sortDesc(v: readonly { feature: string; value: number }[]): NamedValue[] {
  return v.map((c) => ({ feature: c.feature, value: c.value })).sort((a, b) => b.value - a.value);
}

function seconds(start: number): number {
  return round((performance.now() - start) / 1000, 3);
}

function round(x: number, digits: number): number {
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}

function count(y: Labels): number {
  let s = 0;
  for (const v of y) s += v;
  return s;
}

function rate(y: Labels): number {
  return y.length ? count(y) / y.length : NaN;
}
