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

  // The output columns, computed in blocks of one kind each (every numeric column in one block,
  // every one-hot column of sources without an infrequent column in one block, ...): a handful of
  // vectorised nodes in all, whatever the number of columns. onnxruntime pays about 0.5 us per
  // node and run on a small batch, so the node count IS the cost of a 1-row prediction (the trees
  // are a tenth of it). The blocks come out in their own column order; `position[k]` is where
  // output column k lands, and the model reads its features through that map (a permutation of
  // tree feature ids or of coefficients), so no node reorders the columns.
  const outs = description.outputs;
  if (outs.length === 0) throw new RangeError('description.outputs is empty: the pipeline produces no features');
  const blocks: string[] = [];
  const position = new Array<number>(outs.length);
  let width = 0;
  const place = (indices: readonly number[], value: string): void => {
    for (const k of indices) position[k] = width++;
    blocks.push(value);
  };
  const userOf = (k: number): string => {
    const o = outs[k]!;
    return o.kind === 'numeric' ? `output column ${k}` : `output column ${k} (${o.kind === 'onehot' ? 'one-hot' : 'ordinal'} of '${o.source}')`;
  };

  const numeric = outs.flatMap((o, k) => (o.kind === 'numeric' ? [k] : []));
  if (numeric.length > 0) place(numeric, addNumericBlock(g, numeric.map((k) => outs[k] as NumericOut), (s, j) => get(s, 'double', userOf(numeric[j]!))));

  // One-hot columns of sources with an infrequent column (`category: null`: "any other present
  // category", a set test) keep one LabelEncoder per source; the others share one encoder.
  const withInfrequent = new Set(outs.flatMap((o) => (o.kind === 'onehot' && o.category === null ? [o.source] : [])));
  const shared = outs.flatMap((o, k) => (o.kind === 'onehot' && !withInfrequent.has(o.source) ? [k] : []));
  if (shared.length > 0) place(shared, addSharedOneHotBlock(g, shared.map((k) => outs[k] as OneHotOut), (s, j) => get(s, 'string', userOf(shared[j]!))));
  for (const source of withInfrequent) {
    const cols = outs.flatMap((o, k) => (o.kind === 'onehot' && o.source === source ? [k] : []));
    place(cols, addInfrequentOneHotBlock(g, cols.map((k) => outs[k] as OneHotOut), get(source, 'string', userOf(cols[0]!))));
  }
  outs.forEach((o, k) => {
    if (o.kind === 'ordinal') place([k], addOrdinalColumn(g, o, get(o.source, 'string', userOf(k)), userOf(k)));
  });
  const features = blocks.length === 1 ? blocks[0]! : g.op1('Concat', blocks, { axis: 1 }, { name: 'features' });

  const nFeatures = outs.length;
  let p1: string;
  if (isEnsemble(model)) {
    if (model.nFeatures !== nFeatures) {
      throw new RangeError(`model.nFeatures is ${model.nFeatures} but the preprocessing outputs ${nFeatures} columns; export the model fitted on this preprocessing`);
    }
    p1 = addEnsembleNodes(g, model, features, 'double', options.treePrecision ?? 'double', position);
  } else {
    if (model.coef.length !== nFeatures) {
      throw new RangeError(`model.coef has ${model.coef.length} coefficients but the preprocessing outputs ${nFeatures} columns`);
    }
    p1 = addLogisticNodes(g, model, features, position);
  }
  addClassifierOutputs(g, p1);
  return g;
}

type NumericOut = Extract<OutputColumnSpec, { kind: 'numeric' }>;
type OneHotOut = Extract<OutputColumnSpec, { kind: 'onehot' }>;
type OrdinalOut = Extract<OutputColumnSpec, { kind: 'ordinal' }>;

/** Numeric outputs -> double [N, k]: Concat, Where(IsNaN) imputation, (x - mean) / std. */
function addNumericBlock(g: OnnxGraphBuilder, run: readonly NumericOut[], source: (name: string, j: number) => string): string {
  const cols = run.map((o, j) => source(o.source, j));
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
 * One-hot outputs of any number of sources (none with an infrequent column) -> double [N, k] in
 * four nodes: Concat of each output's source string (a source repeats once per output), ONE
 * LabelEncoder over the vocabulary of every category of every source (a string's id is the same
 * in every column; ids are distinct across strings, so an id equals the wanted id of an output
 * exactly when the string equals its category), Equal to the wanted ids, Cast. An unknown string
 * (-1, or the id of another source's category) matches no output of its source: all zeros, as
 * `transformRecord`. A missing value ('') matches the outputs whose category is their
 * `imputeCategory` (an Equal against the missing id, Or'ed in), unless '' is itself one of the
 * source's categories.
 */
function addSharedOneHotBlock(g: OnnxGraphBuilder, run: readonly OneHotOut[], source: (name: string, j: number) => string): string {
  const vocabulary = new Map<string, number>([[ONNX_MISSING_CATEGORY, 0]]);
  const idOf = (c: string): number => {
    let id = vocabulary.get(c);
    if (id === undefined) vocabulary.set(c, (id = vocabulary.size));
    return id;
  };
  const categoriesOf = new Map<string, Set<string>>();
  for (const o of run) {
    const set = categoriesOf.get(o.source) ?? new Set<string>();
    set.add(o.category!);
    categoriesOf.set(o.source, set);
  }
  const wanted = run.map((o) => idOf(o.category!));
  const NEVER = -2; // ids are >= -1 (the LabelEncoder's default)
  const missingWanted = run.map((o) =>
    o.imputeCategory !== undefined && o.imputeCategory === o.category && !categoriesOf.get(o.source)!.has(ONNX_MISSING_CATEGORY) ? 0 : NEVER,
  );
  const cols = run.map((o, j) => source(o.source, j));
  const strings = cols.length === 1 ? cols[0]! : g.op1('Concat', cols, { axis: 1 }, { name: 'onehot_sources' });
  const ids = g.op1(
    'LabelEncoder',
    [strings],
    { keys_strings: onnxAttr.strings([...vocabulary.keys()]), values_int64s: onnxAttr.ints([...vocabulary.values()]), default_int64: -1 },
    { domain: ONNX_ML_DOMAIN, name: 'onehot_ids' },
  );
  const k = run.length;
  let hot = g.op1('Equal', [ids, g.constant('onehot_wanted', 'int64', [1, k], wanted)], {}, { name: 'onehot' });
  if (missingWanted.some((m) => m !== NEVER)) {
    const imputed = g.op1('Equal', [ids, g.constant('onehot_imputed', 'int64', [1, k], missingWanted)], {}, { name: 'onehot_missing' });
    hot = g.op1('Or', [hot, imputed], {}, { name: 'onehot_or_imputed' });
  }
  return g.op1('Cast', [hot], { to: 11 }, { name: 'onehot_d' });
}

/**
 * The one-hot outputs of one source that has an infrequent column -> double [N, k]: a
 * LabelEncoder from category to its index among the source's one-hot columns (unknown -> the
 * infrequent slot; missing ('') -> the imputed category's index, else -1), Equal, Cast.
 */
function addInfrequentOneHotBlock(g: OnnxGraphBuilder, all: readonly OneHotOut[], input: string): string {
  const source = all[0]!.source;
  const impute = all[0]!.imputeCategory;
  if (all.some((r) => r.imputeCategory !== impute)) throw new Error(`one-hot columns of '${source}' disagree on imputeCategory`);
  const cats = [...new Set(all.map((x) => x.category).filter((c): c is string => c !== null))];
  const index = new Map<string | null, number>(cats.map((c, k) => [c, k]));
  const infrequentSlot = cats.length;
  index.set(null, infrequentSlot);
  const keys = [...cats];
  const vals = cats.map((_, k) => k);
  if (!index.has(ONNX_MISSING_CATEGORY)) {
    keys.push(ONNX_MISSING_CATEGORY);
    vals.push(impute === undefined ? -1 : (index.get(impute) ?? infrequentSlot));
  }
  const encoded = g.op1(
    'LabelEncoder',
    [input],
    { keys_strings: onnxAttr.strings(keys), values_int64s: onnxAttr.ints(vals), default_int64: infrequentSlot },
    { domain: ONNX_ML_DOMAIN, name: `${source}_index` },
  );
  const wanted = all.map((r) => index.get(r.category)!);
  const eq = g.op1('Equal', [encoded, g.constant(`${source}_onehot_ids`, 'int64', [1, wanted.length], wanted)], {}, { name: `${source}_onehot` });
  return g.op1('Cast', [eq], { to: 11 }, { name: `${source}_onehot_d` });
}

/** An ordinal output -> double [N, 1]: LabelEncoder to the category's index (unknown, missing as specified), Cast. */
function addOrdinalColumn(g: OnnxGraphBuilder, o: OrdinalOut, input: string, user: string): string {
  const keys = [...o.categories];
  const vals = o.categories.map((_, k) => k);
  if (!o.categories.includes(ONNX_MISSING_CATEGORY)) {
    const k = o.imputeCategory === undefined ? -1 : o.categories.indexOf(o.imputeCategory);
    keys.push(ONNX_MISSING_CATEGORY);
    vals.push(k >= 0 ? k : o.imputeCategory === undefined ? (o.missingValue ?? o.unknownValue) : o.unknownValue);
  }
  for (const v of [o.unknownValue, o.missingValue ?? 0]) {
    if (Math.fround(v) !== v && !Number.isNaN(v)) {
      throw new RangeError(`${user}: unknownValue/missingValue ${v} is not exactly representable as float32; use an integer or NaN`);
    }
  }
  const code = g.op1(
    'LabelEncoder',
    [input],
    { keys_strings: onnxAttr.strings(keys), values_floats: onnxAttr.floats(vals), default_float: onnxAttr.float(o.unknownValue) },
    { domain: ONNX_ML_DOMAIN, name: `${o.source}_ordinal` },
  );
  return g.op1('Cast', [code], { to: 11 }, { name: `${o.source}_ordinal_d` });
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
