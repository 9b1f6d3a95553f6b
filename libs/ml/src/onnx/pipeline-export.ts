import type { TreeEnsemble } from '../trees/tree.js';
import { encodeOnnxModel } from './onnx-model.js';
import { OnnxGraphBuilder, ONNX_ML_DOMAIN, onnxAttr } from './graph-builder.js';
import { addFeatureNodes, featureReads, ONNX_MISSING_CATEGORY, type ExportableFeatures, type GraphValue } from './feature-export.js';
import { addLogisticNodes, type LogisticModelDescription } from './linear-export.js';
import { addClassifierOutputs, addEnsembleNodes, type TreePrecision } from './tree-ensemble-export.js';

/**
 * What the ONNX pipeline export needs to know about a fitted pipeline, as plain data: the raw
 * columns it reads, the fitted derived features (libs/ml/src/features, evaluated in spec order)
 * and the preprocessing's output columns (in the model's feature order).
 */
export interface PipelineDescription {
  readonly rawColumns: readonly RawColumnSpec[];
  /** The fitted feature engineering (a `FittedFeatures` or its JSON form); none when absent. */
  readonly features?: ExportableFeatures;
  readonly outputs: readonly OutputColumnSpec[];
}

/** A raw input column: numeric -> graph input double [N, 1]; categorical -> string [N, 1]. */
export interface RawColumnSpec {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
}

/**
 * One output column of the preprocessing.
 * - numeric: NaN -> `impute` (if given), then `(x - mean) / std` (if `scale` given).
 * - onehot: 1 when the (imputed) category equals `category`, else 0; unknown categories give 0.
 *   `category: null` is scikit-learn's infrequent output: 1 for every present category that is
 *   not the `category` of another one-hot column of the same source (infrequent and unknown ones).
 *   A missing value gives all zeros unless `imputeCategory` is set.
 * - ordinal: index of the (imputed) category in `categories`; unknown -> `unknownValue`;
 *   missing -> `missingValue` (default: `unknownValue`).
 * For categorical sources, `imputeCategory` replaces a missing value (the empty string in ONNX).
 */
export type OutputColumnSpec =
  | { readonly kind: 'numeric'; readonly source: string; readonly impute?: number; readonly scale?: { readonly mean: number; readonly std: number } }
  | { readonly kind: 'onehot'; readonly source: string; readonly category: string | null; readonly imputeCategory?: string }
  | {
      readonly kind: 'ordinal';
      readonly source: string;
      readonly categories: readonly string[];
      readonly unknownValue: number;
      readonly missingValue?: number;
      readonly imputeCategory?: string;
    };

/**
 * The model at the end of the pipeline: a tree ensemble, a fitted tree learner exposing
 * `toEnsemble()` (GradientBoostingClassifier, RandomForestClassifier) or anything with
 * `coef`/`intercept` (LogisticRegression).
 */
export type PipelineModel = TreeEnsemble | { toEnsemble(): TreeEnsemble } | LogisticModelDescription;

export { ONNX_MISSING_CATEGORY, stringOrderPattern, type ExportableFeatures } from './feature-export.js';

function resolveModel(m: PipelineModel): TreeEnsemble | LogisticModelDescription {
  if ('toEnsemble' in m && typeof m.toEnsemble === 'function') return m.toEnsemble();
  return m as TreeEnsemble | LogisticModelDescription;
}

function isEnsemble(m: TreeEnsemble | LogisticModelDescription): m is TreeEnsemble {
  return 'trees' in m;
}

/**
 * Builds the ONNX graph of a whole fitted pipeline: raw columns in (one input per raw column,
 * named after it: numerics double [N, 1] with NaN = missing, categoricals string [N, 1] with ''
 * = missing), derived features, imputation, one-hot / ordinal encoding and scaling in float64,
 * Concat in the preprocessing's output order, then the model; outputs `probabilities` float
 * [N, 2] and `label` int64 [N].
 *
 * Why double: the raw Telco values (e.g. monthly_charges 29.85) are not float32-representable and
 * our preprocessing and learners work in float64. Keeping the whole graph in float64 and the trees
 * in float64 (TreeEnsemble v5 with double splits) makes every split decision the one our
 * in-process model takes, so the probabilities agree to float32 output rounding (<= 6e-8).
 * Ensembles with `float32Features` (imported from XGBoost/LightGBM) get their features rounded to
 * float32 right before the trees, as in-process prediction does.
 *
 * @throws Error naming the column when a source column is neither raw nor derived, or has the
 *   wrong type for its use; RangeError when the model's feature count differs from the outputs.
 */
export function buildPipelineGraph(
  description: PipelineDescription,
  pipelineModel: PipelineModel,
  options: { treePrecision?: TreePrecision } = {},
): OnnxGraphBuilder {
  const model = resolveModel(pipelineModel);
  const g = new OnnxGraphBuilder('pipeline');
  const values = new Map<string, GraphValue>();
  const raw = new Map(description.rawColumns.map((c) => [c.name, c]));

  // Declare only the raw columns something reads, in the order of rawColumns.
  const { reads, defined } = featureReads(description.features);
  const used = new Set(reads.map((r) => r.column));
  for (const o of description.outputs) if (!defined.has(o.source)) used.add(o.source);
  for (const c of description.rawColumns) {
    if (!used.has(c.name)) continue;
    const type = c.type === 'numeric' ? 'double' : 'string';
    values.set(c.name, { name: g.input(c.name, type, ['N', 1]), type });
  }
  addFeatureNodes(g, description.features, values);
  const get = (name: string, type: 'double' | 'string', user: string): string => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`${user} reads column '${name}', which is neither a raw column nor a feature`);
    if (v.type !== type) {
      const want = type === 'double' ? 'numeric' : 'categorical';
      throw new Error(`${user} needs '${name}' to be ${want}, but it is ${raw.get(name)?.type ?? (v.type === 'double' ? 'numeric' : 'categorical')}`);
    }
    return v.name;
  };

  // Output columns, grouped into runs of consecutive columns that share a kind and (for
  // categorical kinds) a source, so each run is a handful of vectorised nodes.
  const blocks: string[] = [];
  const outs = description.outputs;
  const categoryIndex = new Map<string, { encoded: string; index: Map<string | null, number> }>();
  let i = 0;
  while (i < outs.length) {
    const o = outs[i]!;
    let j = i + 1;
    if (o.kind === 'numeric') {
      while (j < outs.length && outs[j]!.kind === 'numeric') j++;
      blocks.push(addNumericRun(g, outs.slice(i, j) as NumericOut[], (s, k) => get(s, 'double', `output column ${k}`), i));
    } else if (o.kind === 'onehot') {
      while (j < outs.length && outs[j]!.kind === 'onehot' && outs[j]!.source === o.source) j++;
      const run = outs.slice(i, j) as OneHotOut[];
      const user = `output column ${i} (one-hot of '${o.source}')`;
      const impute = run[0]!.imputeCategory;
      if (run.some((r) => r.imputeCategory !== impute)) throw new Error(`${user}: one-hot columns of '${o.source}' disagree on imputeCategory`);
      const key = `${o.source}\u0000${impute ?? ''}`;
      let enc = categoryIndex.get(key);
      if (enc === undefined) {
        // One LabelEncoder per source: category -> its index among all the source's one-hot
        // columns; unknown -> the infrequent slot if the source has one, else -1 (no column);
        // missing ('') -> the imputed category's index, else -1.
        const all = outs.filter((x): x is OneHotOut => x.kind === 'onehot' && x.source === o.source);
        const cats = [...new Set(all.map((x) => x.category).filter((c): c is string => c !== null))];
        const index = new Map<string | null, number>(cats.map((c, k) => [c, k]));
        const infrequentSlot = all.some((x) => x.category === null) ? cats.length : -1;
        index.set(null, infrequentSlot);
        const keys = [...cats];
        const vals = cats.map((_, k) => k);
        if (!index.has(ONNX_MISSING_CATEGORY)) {
          keys.push(ONNX_MISSING_CATEGORY);
          vals.push(impute === undefined ? -1 : (index.get(impute) ?? infrequentSlot));
        }
        const encoded = g.op1(
          'LabelEncoder',
          [get(o.source, 'string', user)],
          { keys_strings: onnxAttr.strings(keys), values_int64s: onnxAttr.ints(vals), default_int64: infrequentSlot },
          { domain: ONNX_ML_DOMAIN, name: `${o.source}_index` },
        );
        enc = { encoded, index };
        categoryIndex.set(key, enc);
      }
      const wanted = run.map((r) => enc.index.get(r.category)!);
      const eq = g.op1('Equal', [enc.encoded, g.constant(`${o.source}_onehot_ids`, 'int64', [1, wanted.length], wanted)], {}, { name: `${o.source}_onehot` });
      blocks.push(g.op1('Cast', [eq], { to: 11 }, { name: `${o.source}_onehot_d` }));
    } else {
      const user = `output column ${i} (ordinal of '${o.source}')`;
      const keys = [...o.categories];
      const vals = o.categories.map((_, k) => k);
      if (!o.categories.includes(ONNX_MISSING_CATEGORY)) {
        const k = o.imputeCategory === undefined ? -1 : o.categories.indexOf(o.imputeCategory);
        keys.push(ONNX_MISSING_CATEGORY);
        vals.push(k >= 0 ? k : o.imputeCategory === undefined ? (o.missingValue ?? o.unknownValue) : o.unknownValue);
      }
      const code = g.op1(
        'LabelEncoder',
        [get(o.source, 'string', user)],
        { keys_strings: onnxAttr.strings(keys), values_floats: onnxAttr.floats(vals), default_float: onnxAttr.float(o.unknownValue) },
        { domain: ONNX_ML_DOMAIN, name: `${o.source}_ordinal` },
      );
      for (const v of [o.unknownValue, o.missingValue ?? 0]) {
        if (Math.fround(v) !== v && !Number.isNaN(v)) {
          throw new RangeError(`${user}: unknownValue/missingValue ${v} is not exactly representable as float32; use an integer or NaN`);
        }
      }
      blocks.push(g.op1('Cast', [code], { to: 11 }, { name: `${o.source}_ordinal_d` }));
    }
    i = j;
  }
  if (blocks.length === 0) throw new RangeError('description.outputs is empty: the pipeline produces no features');
  const features = blocks.length === 1 ? blocks[0]! : g.op1('Concat', blocks, { axis: 1 }, { name: 'features' });

  const nFeatures = outs.length;
  let p1: string;
  if (isEnsemble(model)) {
    if (model.nFeatures !== nFeatures) {
      throw new RangeError(`model.nFeatures is ${model.nFeatures} but the preprocessing outputs ${nFeatures} columns; export the model fitted on this preprocessing`);
    }
    p1 = addEnsembleNodes(g, model, features, 'double', options.treePrecision ?? 'double');
  } else {
    if (model.coef.length !== nFeatures) {
      throw new RangeError(`model.coef has ${model.coef.length} coefficients but the preprocessing outputs ${nFeatures} columns`);
    }
    p1 = addLogisticNodes(g, model, features);
  }
  addClassifierOutputs(g, p1);
  return g;
}

type NumericOut = Extract<OutputColumnSpec, { kind: 'numeric' }>;
type OneHotOut = Extract<OutputColumnSpec, { kind: 'onehot' }>;

/** A run of numeric outputs -> double [N, k]: Concat, Where(IsNaN) imputation, (x - mean) / std. */
function addNumericRun(g: OnnxGraphBuilder, run: readonly NumericOut[], source: (name: string, k: number) => string, first: number): string {
  const cols = run.map((o, k) => source(o.source, first + k));
  const x = cols.length === 1 ? cols[0]! : g.op1('Concat', cols, { axis: 1 }, { name: 'numeric' });
  const k = run.length;
  let out = x;
  if (run.some((o) => o.impute !== undefined)) {
    // A column without imputation keeps NaN: Where(IsNaN(x), NaN, x) = x.
    const fill = g.constant('impute', 'double', [1, k], run.map((o) => o.impute ?? Number.NaN));
    out = g.op1('Where', [g.op1('IsNaN', [out], {}, { name: 'isnan' }), fill, out], {}, { name: 'imputed' });
  }
  if (run.some((o) => o.scale !== undefined)) {
    for (const o of run) {
      if (o.scale && !(o.scale.std !== 0 && Number.isFinite(o.scale.std) && Number.isFinite(o.scale.mean))) {
        throw new RangeError(`numeric output '${o.source}': scale must have a finite mean and a finite non-zero std, got ${JSON.stringify(o.scale)}`);
      }
    }
    // Unscaled columns use mean 0, std 1: (x - 0) / 1 is x exactly.
    const mean = g.constant('mean', 'double', [1, k], run.map((o) => o.scale?.mean ?? 0));
    const std = g.constant('std', 'double', [1, k], run.map((o) => o.scale?.std ?? 1));
    out = g.op1('Div', [g.op1('Sub', [out, mean], {}, { name: 'centered' }), std], {}, { name: 'scaled' });
  }
  return out;
}

/**
 * Exports a whole fitted pipeline (derived features, preprocessing, model) as ONNX bytes; see
 * `buildPipelineGraph` for the graph's inputs, outputs and precision. Run it with
 * `createOnnxSession` + `runOnnxPipeline` (entry `@mlops/ml` onnx-runtime) or any onnxruntime.
 */
export function exportPipelineDescriptionToOnnx(
  description: PipelineDescription,
  model: PipelineModel,
  options: { treePrecision?: TreePrecision } = {},
): Uint8Array {
  const g = buildPipelineGraph(description, model, options);
  const numeric = description.rawColumns.filter((c) => c.type === 'numeric').map((c) => c.name);
  const categorical = description.rawColumns.filter((c) => c.type === 'categorical').map((c) => c.name);
  return encodeOnnxModel(
    g.toModel({
      docString: 'Churn pipeline exported by @mlops/ml: raw columns -> derived features -> preprocessing -> model',
      metadata: {
        numeric_inputs: JSON.stringify(numeric),
        categorical_inputs: JSON.stringify(categorical),
        missing_category: ONNX_MISSING_CATEGORY,
        feature_names: JSON.stringify(description.outputs.map(outputColumnName)),
      },
    }),
  );
}

/** A readable name for an output column ('contract=Month-to-month', 'tenure'). */
export function outputColumnName(o: OutputColumnSpec): string {
  return o.kind === 'onehot' ? `${o.source}=${o.category ?? '(infrequent)'}` : o.source;
}
