import { encodeOnnxModel } from './onnx-model.js';
import {
  buildPipelineGraph,
  type DerivedFeatureSpec,
  type OutputColumnSpec,
  type PipelineDescription,
  type PipelineModel,
  type RawColumnSpec,
  outputColumnName,
  ONNX_MISSING_CATEGORY,
} from './pipeline-export.js';
import type { TreePrecision } from './tree-ensemble-export.js';

/**
 * The fields of one output column of the fitted preprocessing (`Preprocessor.describe()` in
 * libs/ml/src/preprocessing) that the exporter reads. Declared structurally here so the exporter
 * depends on the data, not on the class.
 */
export interface PreprocessorOutputColumn {
  readonly source: string;
  readonly kind: 'numeric' | 'onehot' | 'ordinal';
  /** numeric: replaces a missing value (before scaling). */
  readonly imputeValue: number | null;
  /** numeric with scaling: (x - scaleMean) / scaleStd. */
  readonly scaleMean: number | null;
  readonly scaleStd: number | null;
  /** onehot: the category this column is 1 for; null for the infrequent column. */
  readonly category: string | null;
  /** ordinal: the categories by code. */
  readonly categories: readonly string[] | null;
  /** ordinal: the code of an unseen category. */
  readonly unknownValue: number | null;
}

/** Anything with the preprocessing's `describe()` (the fitted `Preprocessor`). */
export interface DescribablePreprocessor {
  describe(): readonly PreprocessorOutputColumn[];
}

/**
 * The exporter's `PipelineDescription` of a fitted preprocessing plus derived features:
 * numeric columns impute then scale; one-hot columns give all zeros for a missing category and
 * for an unseen one (or 1 in the infrequent column when there is one); ordinal columns give NaN
 * for a missing category and `unknownValue` for an unseen one. These are the preprocessing's own
 * rules. (`handleUnknown: 'error'` cannot raise inside ONNX: an unseen category gives zeros.)
 *
 * Raw columns are inferred: a column read by a numeric output or as a number by a derived feature
 * is numeric; one read by a one-hot/ordinal output or as the category of a flag is categorical.
 *
 * @throws Error when a raw column would need to be both numeric and categorical.
 */
export function describePipeline(preprocessor: DescribablePreprocessor, derived: readonly DerivedFeatureSpec[] = []): PipelineDescription {
  const outputs: OutputColumnSpec[] = preprocessor.describe().map((c, i): OutputColumnSpec => {
    const where = `preprocessor output ${i} ('${c.source}', ${c.kind})`;
    if (c.kind === 'numeric') {
      const scaled = c.scaleMean !== null && c.scaleStd !== null;
      return {
        kind: 'numeric',
        source: c.source,
        ...(c.imputeValue === null ? {} : { impute: c.imputeValue }),
        ...(scaled ? { scale: { mean: c.scaleMean!, std: c.scaleStd! } } : {}),
      };
    }
    if (c.kind === 'onehot') return { kind: 'onehot', source: c.source, category: c.category };
    if (c.categories === null) throw new Error(`${where} has no categories; describe() must list an ordinal column's categories`);
    return { kind: 'ordinal', source: c.source, categories: c.categories, unknownValue: c.unknownValue ?? Number.NaN, missingValue: Number.NaN };
  });

  const derivedNames = new Set(derived.map((d) => d.name));
  const types = new Map<string, RawColumnSpec['type']>();
  const order: string[] = [];
  const need = (name: string, type: RawColumnSpec['type'], user: string): void => {
    if (derivedNames.has(name)) return;
    const seen = types.get(name);
    if (seen === undefined) {
      types.set(name, type);
      order.push(name);
    } else if (seen !== type) {
      throw new Error(`raw column '${name}' is read as ${seen} and as ${type} (by ${user}); a raw column has one type`);
    }
  };
  for (const d of derived) {
    const user = `derived feature '${d.name}'`;
    if (d.kind === 'bins') need(d.source, 'numeric', user);
    else if (d.kind === 'product') (need(d.left, 'numeric', user), need(d.right, 'numeric', user));
    else if (d.kind === 'ratio') (need(d.numerator, 'numeric', user), need(d.denominator, 'numeric', user));
    else (need(d.categorical.column, 'categorical', user), need(d.numeric.column, 'numeric', user));
  }
  outputs.forEach((o, i) => need(o.source, o.kind === 'numeric' ? 'numeric' : 'categorical', `output ${i} '${outputColumnName(o)}'`));
  return { rawColumns: order.map((name) => ({ name, type: types.get(name)! })), derived, outputs };
}

export interface PipelineExportInput {
  /** Derived features computed from the raw columns before preprocessing, in evaluation order. */
  readonly featureSpec?: readonly DerivedFeatureSpec[];
  /** The fitted preprocessing (its `describe()`). */
  readonly preprocessor: DescribablePreprocessor;
  /** The fitted model: GradientBoostingClassifier, RandomForestClassifier, LogisticRegression or a TreeEnsemble. */
  readonly model: PipelineModel;
  readonly treePrecision?: TreePrecision;
}

/**
 * Exports the whole fitted pipeline (derived features, preprocessing, model) as ONNX bytes. The
 * model file takes the raw columns as separate inputs named after them (numerics double [N, 1],
 * NaN = missing; categoricals string [N, 1], '' = missing) and returns `probabilities` float
 * [N, 2] and `label` int64 [N]. Computation is float64 throughout (see `buildPipelineGraph`),
 * so probabilities equal the in-process pipeline's up to float32 output rounding.
 *
 * @example
 * const bytes = exportPipelineToOnnx({ featureSpec, preprocessor, model });
 * const session = await createOnnxSession(bytes);            // from the onnx-runtime entry
 * const { proba } = await runOnnxPipeline(session, [record]);
 */
export function exportPipelineToOnnx(input: PipelineExportInput): Uint8Array {
  const description = describePipeline(input.preprocessor, input.featureSpec ?? []);
  const g = buildPipelineGraph(description, input.model, input.treePrecision ? { treePrecision: input.treePrecision } : {});
  return encodeOnnxModel(
    g.toModel({
      docString: 'Churn pipeline exported by @mlops/ml: raw columns -> derived features -> preprocessing -> model',
      metadata: {
        numeric_inputs: JSON.stringify(description.rawColumns.filter((c) => c.type === 'numeric').map((c) => c.name)),
        categorical_inputs: JSON.stringify(description.rawColumns.filter((c) => c.type === 'categorical').map((c) => c.name)),
        missing_category: ONNX_MISSING_CATEGORY,
        feature_names: JSON.stringify(description.outputs.map(outputColumnName)),
      },
    }),
  );
}
