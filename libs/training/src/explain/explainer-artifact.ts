import {
  FittedFeatures,
  GradientBoostingClassifier,
  LogisticRegression,
  Preprocessor,
  RandomForestClassifier,
  ensembleRaw,
  shapBaseValue,
  shapValuesRow,
  type Classifier,
  type Matrix,
  type SerializedFeatures,
  type SerializedModel,
  type SerializedPreprocessor,
  type TreeEnsemble,
} from '@mlops/ml';
import { sha256Hex } from '../digest.js';
import { TrainingError } from '../training.error.js';

/**
 * Where the explainer artifact lives among a run's artifacts, beside the ONNX model
 * (`model/model.onnx`). Serving downloads it with the ONNX bytes of a registered version.
 */
export const EXPLAINER_ARTIFACT_PATH = 'model/explainer.json';

/** How a model is explained: path-dependent TreeSHAP, or exact linear SHAP of the log-odds. */
export type ExplainMethod = 'tree_shap' | 'linear_shap';

/**
 * What serving needs to explain one prediction of a registered version without the training
 * process: the fitted features and preprocessing (raw columns -> model columns, the same code the
 * ONNX graph was exported from) and the fitted model as libs/ml JSON. Written by
 * {@link createExplainerArtifact}, read by {@link PipelineExplainer.fromJSON}.
 */
export interface ExplainerArtifact {
  readonly kind: 'pipeline-explainer';
  readonly formatVersion: 1;
  readonly method: ExplainMethod;
  /** The model columns after preprocessing, in order: the names of the contributions. */
  readonly featureNames: readonly string[];
  /** The fitted derived features (null when the pipeline has none). */
  readonly features: SerializedFeatures | null;
  readonly preprocessor: SerializedPreprocessor;
  /** `GradientBoostingClassifier` / `RandomForestClassifier` / `LogisticRegression` `toJSON()`. */
  readonly model: SerializedModel<object>;
  /** linear_shap only: the mean of each model column over the training rows (the background). */
  readonly background: { readonly mean: readonly number[] } | null;
}

/** The fitted pipeline of a training run (`TrainingResult.fitted`). */
export interface FittedPipeline {
  readonly features: FittedFeatures | null;
  readonly preprocessor: Preprocessor;
  readonly model: Classifier<object>;
}

/**
 * Mean of every column of `x` (column-major), summed in row order: the background of linear SHAP
 * (shap.LinearExplainer(model, X_train), interventional: `mean = X_train.mean(0)`).
 * Shapes: x [rows, cols] -> Float64Array [cols]. A NaN in a column makes its mean NaN.
 * @throws TrainingError when x has no rows.
 */
export function linearShapBackground(x: Matrix): Float64Array {
  if (x.rows === 0) throw new TrainingError('linearShapBackground: x has no rows; pass the training matrix');
  const mean = new Float64Array(x.cols);
  for (let c = 0; c < x.cols; c++) {
    let m = 0;
    for (let r = 0; r < x.rows; r++) m += x.data[c * x.rows + r]!;
    mean[c] = m / x.rows;
  }
  return mean;
}

/**
 * Linear SHAP values of one row of a logistic regression with independent features, as
 * shap.LinearExplainer (feature_perturbation="interventional"):
 * `phi_c = coef_c * (x_c - mean_c)`, `baseValue = intercept + sum_c coef_c * mean_c`, so that
 * `baseValue + sum_c phi_c = intercept + coef . x`, the log-odds (sklearn `decision_function`).
 * Shapes: coef, mean, x [nFeatures]. NaN in x gives NaN for that feature.
 * @throws TrainingError when the lengths differ.
 */
export function linearShapRow(
  coef: ArrayLike<number>,
  intercept: number,
  mean: ArrayLike<number>,
  x: ArrayLike<number>,
): { values: Float64Array; baseValue: number } {
  if (coef.length !== mean.length || coef.length !== x.length)
    throw new TrainingError(
      `linearShapRow: coef has ${coef.length} values, mean ${mean.length}, x ${x.length}; they must have one value per model column`,
    );
  const values = new Float64Array(coef.length);
  let baseValue = intercept;
  for (let c = 0; c < coef.length; c++) {
    baseValue += coef[c]! * mean[c]!;
    values[c] = coef[c]! * (x[c]! - mean[c]!);
  }
  return { values, baseValue };
}

/**
 * The explainer artifact of a fitted pipeline. Trees (gradient boosting, random forest) are
 * explained by TreeSHAP on the model's own trees; a logistic regression by linear SHAP with the
 * means of `trainX` (the preprocessed training rows the model was fitted on) as background.
 * @throws TrainingError for another model kind, or when trainX does not match the preprocessing.
 */
export function createExplainerArtifact(fitted: FittedPipeline, trainX: Matrix): ExplainerArtifact {
  const featureNames = fitted.preprocessor.outputNames;
  if (trainX.cols !== featureNames.length)
    throw new TrainingError(
      `createExplainerArtifact: trainX has ${trainX.cols} columns, the preprocessing gives ${featureNames.length}; pass the preprocessed training matrix`,
    );
  const { model } = fitted;
  let method: ExplainMethod;
  let background: ExplainerArtifact['background'] = null;
  if (model instanceof GradientBoostingClassifier || model instanceof RandomForestClassifier)
    method = 'tree_shap';
  else if (model instanceof LogisticRegression) {
    method = 'linear_shap';
    const mean = linearShapBackground(trainX);
    const bad = mean.findIndex((m) => !Number.isFinite(m));
    if (bad >= 0)
      throw new TrainingError(
        `createExplainerArtifact: the training mean of column '${featureNames[bad]}' is ${mean[bad]}; the preprocessed training matrix must be finite`,
      );
    background = { mean: Array.from(mean) };
  } else
    throw new TrainingError(
      `createExplainerArtifact: no explainer for a ${model.kind} model (gradient boosting, random forest and logistic regression are explained)`,
    );
  return {
    kind: 'pipeline-explainer',
    formatVersion: 1,
    method,
    featureNames,
    features: fitted.features === null ? null : fitted.features.toJSON(),
    preprocessor: fitted.preprocessor.toJSON(),
    model: model.toJSON(),
    background,
  };
}

/** The artifact as the bytes logged with the run (UTF-8 JSON) and their sha256. */
export function encodeExplainerArtifact(artifact: ExplainerArtifact): { bytes: Uint8Array; sha256: string } {
  const bytes = new TextEncoder().encode(JSON.stringify(artifact));
  return { bytes, sha256: sha256Hex(bytes) };
}

/** SHAP values of one prediction: `baseValue + sum(values)` = the model's raw output (margin). */
export interface RowExplanation {
  readonly values: Float64Array;
  readonly baseValue: number;
}

type RawRecord = Readonly<Record<string, string | number | boolean | null | undefined>>;

/**
 * A registered version's explainer, rebuilt from its artifact: raw record -> fitted features ->
 * preprocessing -> SHAP values per model column. Tree models: TreeSHAP (`shapValuesRow`) on the
 * same trees as the in-process model, so values are bitwise those of the training process;
 * logistic regression: {@link linearShapRow}.
 */
export class PipelineExplainer {
  private constructor(
    readonly method: ExplainMethod,
    /** The model columns, in order: the names of the values. */
    readonly featureNames: readonly string[],
    /** Expected raw output: TreeSHAP's expected value, or linear SHAP's intercept + coef . mean. */
    readonly baseValue: number,
    private readonly features: FittedFeatures | null,
    private readonly preprocessor: Preprocessor,
    private readonly ensemble: TreeEnsemble | null,
    private readonly linear: {
      readonly coef: Float64Array;
      readonly intercept: number;
      readonly mean: Float64Array;
    } | null,
  ) {}

  /**
   * Reads an artifact (the parsed JSON of {@link EXPLAINER_ARTIFACT_PATH}) and rebuilds the
   * fitted features, preprocessing and model.
   * @throws TrainingError naming `where` and the bad field.
   */
  static fromJSON(json: unknown, where = 'explainer artifact'): PipelineExplainer {
    const fail = (msg: string): never => {
      throw new TrainingError(`${where}: ${msg}`);
    };
    const a = json as Partial<ExplainerArtifact> | null;
    if (a === null || typeof a !== 'object')
      return fail(`expected a JSON object, got ${a === null ? 'null' : typeof a}`);
    if (a.kind !== 'pipeline-explainer' || a.formatVersion !== 1)
      fail(
        `expected kind 'pipeline-explainer' formatVersion 1, got ${String(a.kind)} ${String(a.formatVersion)}`,
      );
    if (a.method !== 'tree_shap' && a.method !== 'linear_shap')
      fail(`method must be tree_shap or linear_shap, got ${String(a.method)}`);
    if (!Array.isArray(a.featureNames) || !a.featureNames.every((n) => typeof n === 'string'))
      fail('featureNames must be an array of column names');
    const m = a.model;
    if (m === null || typeof m !== 'object') return fail('model is missing');
    if (a.preprocessor === null || typeof a.preprocessor !== 'object') return fail('preprocessor is missing');
    const featureNames = Object.freeze([...a.featureNames!]);
    const nF = featureNames.length;
    const loaded = attempt(where, 'the fitted features or preprocessing do not load', () => ({
      features: a.features === null || a.features === undefined ? null : FittedFeatures.fromJSON(a.features),
      preprocessor: Preprocessor.fromJSON(a.preprocessor!),
    }));
    const outputs = loaded.preprocessor.outputNames;
    if (outputs.length !== nF || outputs.some((n, i) => n !== featureNames[i]))
      fail(`featureNames (${nF}) are not the preprocessing's output columns (${outputs.length})`);
    if (a.method === 'tree_shap') {
      const ensemble = attempt(where, 'the model does not load', () => {
        if (m.kind === 'gradient-boosting')
          return GradientBoostingClassifier.fromJSON(
            m as Parameters<typeof GradientBoostingClassifier.fromJSON>[0],
          ).toEnsemble();
        if (m.kind === 'random-forest')
          return RandomForestClassifier.fromJSON(
            m as Parameters<typeof RandomForestClassifier.fromJSON>[0],
          ).toEnsemble();
        throw new Error(
          `method tree_shap needs a gradient-boosting or random-forest model, got '${String(m.kind)}'`,
        );
      });
      if (ensemble.nFeatures !== nF)
        fail(`the model reads ${ensemble.nFeatures} columns, the preprocessing gives ${nF}`);
      return new PipelineExplainer(
        'tree_shap',
        featureNames,
        shapBaseValue(ensemble),
        loaded.features,
        loaded.preprocessor,
        ensemble,
        null,
      );
    }
    if (m.kind !== 'logistic-regression')
      fail(`method linear_shap needs a logistic-regression model, got '${String(m.kind)}'`);
    const lr = attempt(where, 'the model does not load', () =>
      LogisticRegression.fromJSON(m as Parameters<typeof LogisticRegression.fromJSON>[0]),
    );
    const mean = a.background?.mean;
    if (
      !Array.isArray(mean) ||
      mean.length !== nF ||
      mean.some((v) => typeof v !== 'number' || !Number.isFinite(v))
    )
      return fail(`background.mean must hold ${nF} finite numbers (the training mean of each model column)`);
    if (lr.coef.length !== nF)
      fail(`the model has ${lr.coef.length} coefficients, the preprocessing gives ${nF} columns`);
    const linear = {
      coef: Float64Array.from(lr.coef),
      intercept: lr.intercept,
      mean: Float64Array.from(mean),
    };
    const baseValue = linearShapRow(linear.coef, linear.intercept, linear.mean, linear.mean).baseValue;
    return new PipelineExplainer(
      'linear_shap',
      featureNames,
      baseValue,
      loaded.features,
      loaded.preprocessor,
      null,
      linear,
    );
  }

  /** The model columns of a raw record: fitted features, then `Preprocessor.transformRecord`. */
  transform(record: RawRecord): Float64Array {
    return this.preprocessor.transformRecord(
      this.features === null ? record : this.features.applyRecord(record),
    );
  }

  /** SHAP values of a raw record (one per model column, in {@link featureNames} order). */
  explain(record: RawRecord): RowExplanation {
    return this.explainRow(this.transform(record));
  }

  /** SHAP values of a model-column vector (as {@link transform} gives it). */
  explainRow(x: ArrayLike<number>): RowExplanation {
    if (this.ensemble !== null) return shapValuesRow(this.ensemble, x);
    const l = this.linear!;
    return linearShapRow(l.coef, l.intercept, l.mean, x);
  }

  /** The model's raw output for a raw record: the margin (log-odds), or the forest's mean probability. */
  margin(record: RawRecord): number {
    const x = this.transform(record);
    if (this.ensemble !== null) return ensembleRaw(this.ensemble, x);
    const l = this.linear!;
    let z = l.intercept;
    for (let c = 0; c < x.length; c++) z += l.coef[c]! * x[c]!;
    return z;
  }
}

/** Runs `f`; an error becomes a TrainingError `<where>: <what>: <message>`. */
function attempt<T>(where: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new TrainingError(`${where}: ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
