import { featureReads, type ColumnNeed, type ExportableFeatures } from './feature-export.js';
import {
  exportPipelineDescriptionToOnnx,
  type OutputColumnSpec,
  type PipelineDescription,
  type PipelineModel,
  type RawColumnSpec,
  outputColumnName,
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
 * The exporter's `PipelineDescription` of a fitted preprocessing plus fitted features:
 * numeric columns impute then scale; one-hot columns give all zeros for a missing category and
 * for an unseen one (or 1 in the infrequent column when there is one); ordinal columns give NaN
 * for a missing category and `unknownValue` for an unseen one. These are the preprocessing's own
 * rules. (`handleUnknown: 'error'` cannot raise inside ONNX: an unseen category gives zeros.)
 *
 * Raw columns are the columns read before any feature defines them. Their type: numeric when
 * read by a numeric output, bins, product or ratio; categorical when read by a one-hot/ordinal
 * output; otherwise (read only by flag conditions) numeric if some condition compares it to a
 * number, else categorical.
 *
 * @throws Error when a raw column would need to be both numeric and categorical.
 */
export function describePipeline(
  preprocessor: DescribablePreprocessor,
  features?: ExportableFeatures,
): PipelineDescription {
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
    if (c.categories === null)
      throw new Error(`${where} has no categories; describe() must list an ordinal column's categories`);
    return {
      kind: 'ordinal',
      source: c.source,
      categories: c.categories,
      unknownValue: c.unknownValue ?? Number.NaN,
      missingValue: Number.NaN,
    };
  });

  const { reads, defined } = featureReads(features);
  const all = [
    ...reads,
    ...outputs.flatMap((o, i) =>
      defined.has(o.source)
        ? []
        : [
            {
              column: o.source,
              need: (o.kind === 'numeric' ? 'numeric' : 'string') as ColumnNeed,
              user: `output ${i} '${outputColumnName(o)}'`,
            },
          ],
    ),
  ];
  const order: string[] = [];
  const byColumn = new Map<string, { need: ColumnNeed; user: string }[]>();
  for (const r of all) {
    if (!byColumn.has(r.column)) {
      byColumn.set(r.column, []);
      order.push(r.column);
    }
    byColumn.get(r.column)!.push(r);
  }
  const rawColumns: RawColumnSpec[] = order.map((name) => {
    const rs = byColumn.get(name)!;
    const num = rs.find((r) => r.need === 'numeric');
    const str = rs.find((r) => r.need === 'string');
    if (num && str)
      throw new Error(
        `raw column '${name}' is read as numeric (by ${num.user}) and as categorical (by ${str.user}); a raw column has one type`,
      );
    const type = num
      ? 'numeric'
      : str
        ? 'categorical'
        : rs.some((r) => r.need === 'numeric-soft')
          ? 'numeric'
          : 'categorical';
    return { name, type };
  });
  return { rawColumns, ...(features ? { features } : {}), outputs };
}

export interface PipelineExportInput {
  /** The fitted feature engineering (`fitFeatures(spec, train)`), applied to the raw columns before preprocessing. */
  readonly features?: ExportableFeatures;
  /** The fitted preprocessing (its `describe()`), fitted on `features.apply(train)`. */
  readonly preprocessor: DescribablePreprocessor;
  /** The fitted model: GradientBoostingClassifier, RandomForestClassifier, LogisticRegression or a TreeEnsemble. */
  readonly model: PipelineModel;
  readonly treePrecision?: TreePrecision;
}

/**
 * Exports the whole fitted pipeline (features, preprocessing, model) as ONNX bytes. The model
 * file takes the raw columns as separate inputs named after them (numerics double [N, 1],
 * NaN = missing; categoricals string [N, 1], '' = missing) and returns `probabilities` float
 * [N, 2] and `label` int64 [N]. Computation is float64 throughout (see `buildPipelineGraph`),
 * so probabilities equal the in-process pipeline's
 * (`model.predictProba(preprocessor.transform(features.apply(ds)))`) up to float32 output rounding.
 *
 * @example
 * const features = fitFeatures(TELCO_FEATURES, train);
 * const preprocessor = new Preprocessor({ steps }).fit(features.apply(train));
 * const bytes = exportPipelineToOnnx({ features, preprocessor, model });
 * const session = await createOnnxSession(bytes);            // from the onnx-runtime entry
 * const { proba } = await runOnnxPipeline(session, [record]);
 */
export function exportPipelineToOnnx(input: PipelineExportInput): Uint8Array {
  const description = describePipeline(input.preprocessor, input.features);
  return exportPipelineDescriptionToOnnx(
    description,
    input.model,
    input.treePrecision ? { treePrecision: input.treePrecision } : {},
  );
}
