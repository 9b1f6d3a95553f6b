import { type Matrix, createMatrix } from '../core/matrix.js';
import { type Dataset, toCategory, toNumber } from '../data/dataset.js';

/** Numeric column: impute missing values, then optionally standardize ((x - mean) / std). */
export interface NumericStepSpec {
  readonly column: string;
  readonly kind: 'numeric';
  /** `median` and `mean` are of the non-missing training values (SimpleImputer); default `median`. */
  readonly impute?: 'median' | 'mean' | { readonly constant: number };
  /** StandardScaler after imputation: population std (ddof 0); a zero std scales by 1. Default false. */
  readonly scale?: boolean;
}

/**
 * Categorical column, one output per training category (sorted, like OneHotEncoder).
 * Missing -> all zeros. Unknown -> all zeros (`handleUnknown: 'ignore'`, default), or an error
 * (`'error'`), or, with `minFrequency`, the `<column>_infrequent_sklearn` output that also takes
 * categories seen fewer than `minFrequency` times in training (`'infrequent_if_exist'`).
 */
export interface OneHotStepSpec {
  readonly column: string;
  readonly kind: 'onehot';
  readonly handleUnknown?: 'ignore' | 'error' | 'infrequent_if_exist';
  /** Categories with fewer training rows than this are grouped as infrequent (needs 'infrequent_if_exist'). */
  readonly minFrequency?: number;
}

/** Categorical column as one ordinal code (index in the sorted training categories). */
export interface OrdinalStepSpec {
  readonly column: string;
  readonly kind: 'ordinal';
  /** Code for a category not seen in training: NaN (default; learners treat it as missing) or -1. */
  readonly unknownValue?: 'nan' | -1;
}

export type StepSpec = NumericStepSpec | OneHotStepSpec | OrdinalStepSpec;

export interface PreprocessorSpec {
  /** One step per input column, in output order. */
  readonly steps: readonly StepSpec[];
}

/** The fitted state of one step: plain data (serializable, exportable to ONNX). */
export type FittedStep =
  | { readonly column: string; readonly kind: 'numeric'; readonly imputeValue: number; readonly mean: number | null; readonly std: number | null }
  | {
      readonly column: string;
      readonly kind: 'onehot';
      readonly categories: readonly string[];
      readonly handleUnknown: 'ignore' | 'error' | 'infrequent_if_exist';
      /** Training categories grouped into the infrequent output (empty when none). */
      readonly infrequent: readonly string[];
    }
  | { readonly column: string; readonly kind: 'ordinal'; readonly categories: readonly string[]; readonly unknownValue: number };

/** One output column, in output order, with everything an exporter needs (ONNX Imputer/Scaler/OneHotEncoder/LabelEncoder). */
export interface OutputColumn {
  readonly name: string;
  readonly source: string;
  readonly kind: 'numeric' | 'onehot' | 'ordinal';
  /** numeric: the value that replaces a missing input (before scaling). */
  readonly imputeValue: number | null;
  /** numeric with scaling: output = (x - scaleMean) / scaleStd. */
  readonly scaleMean: number | null;
  readonly scaleStd: number | null;
  /** onehot: the category this output is 1 for (null for the infrequent output). */
  readonly category: string | null;
  /** onehot infrequent output: the categories it is 1 for (unknown ones too). */
  readonly infrequentCategories: readonly string[] | null;
  /** ordinal: category -> code by index; unknown -> `unknownValue`, missing -> NaN. */
  readonly categories: readonly string[] | null;
  readonly unknownValue: number | null;
}

export class PreprocessorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreprocessorError';
  }
}

export interface SerializedPreprocessor {
  readonly kind: 'preprocessor';
  readonly formatVersion: 1;
  readonly spec: PreprocessorSpec;
  readonly fitted: readonly FittedStep[];
}

type RawValue = string | number | boolean | null | undefined;

/** Median of the non-NaN values (numpy: mean of the two middle values for an even count); NaN if none. */
function median(v: Float64Array): number {
  const x = v.filter((a) => !Number.isNaN(a)).sort();
  const n = x.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? x[(n - 1) / 2]! : (x[n / 2 - 1]! + x[n / 2]!) / 2;
}

function mean(v: Float64Array): number {
  let s = 0;
  let n = 0;
  for (const a of v) {
    if (!Number.isNaN(a)) {
      s += a;
      n++;
    }
  }
  return n === 0 ? NaN : s / n;
}

/** Category strings of a dataset column per row (numeric storage is stringified; NaN -> null). */
function categoryReader(ds: Dataset, name: string): { codes: Int32Array; dictionary: readonly string[] } {
  const c = ds.column(name);
  if (c.type === 'categorical') return { codes: c.codes, dictionary: c.categories };
  const dict = new Map<string, number>();
  const dictionary: string[] = [];
  const codes = new Int32Array(c.values.length);
  for (let i = 0; i < codes.length; i++) {
    const v = c.values[i]!;
    if (Number.isNaN(v)) {
      codes[i] = -1;
      continue;
    }
    const key = String(v);
    let code = dict.get(key);
    if (code === undefined) {
      dict.set(key, (code = dictionary.length));
      dictionary.push(key);
    }
    codes[i] = code;
  }
  return { codes, dictionary };
}

/**
 * Column preprocessing fitted on the training split only: imputation and scaling for numeric
 * columns, one-hot or ordinal encoding for categorical ones. `transform` (batch, column-major)
 * and `transformRecord` (one raw record, for serving) share the fitted state and the per-value
 * arithmetic, so they agree exactly. Output names follow scikit-learn's get_feature_names_out
 * for the one-hot outputs (`contract_Month-to-month`).
 */
export class Preprocessor {
  private fitted: FittedStep[] | null = null;

  constructor(readonly spec: PreprocessorSpec) {
    const seen = new Set<string>();
    for (const s of spec.steps) {
      if (seen.has(s.column)) throw new PreprocessorError(`column '${s.column}' has two steps; give each column one step`);
      seen.add(s.column);
      if (s.kind === 'onehot' && s.minFrequency !== undefined && s.handleUnknown !== 'infrequent_if_exist') {
        throw new PreprocessorError(`column '${s.column}': minFrequency needs handleUnknown 'infrequent_if_exist'`);
      }
    }
  }

  /** Learns imputation values, scaling and categories from `train`; returns this. */
  fit(train: Dataset): this {
    if (train.rowCount === 0) throw new PreprocessorError('fit: the training dataset has no rows');
    this.fitted = this.spec.steps.map((s): FittedStep => {
      if (s.kind === 'numeric') {
        const values = train.numeric(s.column);
        const how = s.impute ?? 'median';
        const imputeValue = typeof how === 'object' ? how.constant : how === 'mean' ? mean(values) : median(values);
        if (Number.isNaN(imputeValue)) {
          throw new PreprocessorError(`column '${s.column}' has no non-missing value in the training data; use impute: { constant: ... }`);
        }
        if (!s.scale) return { column: s.column, kind: 'numeric', imputeValue, mean: null, std: null };
        const filled = values.map((v) => (Number.isNaN(v) ? imputeValue : v));
        const m = mean(filled);
        let ss = 0;
        for (const v of filled) ss += (v - m) * (v - m);
        const sd = Math.sqrt(ss / filled.length);
        return { column: s.column, kind: 'numeric', imputeValue, mean: m, std: sd === 0 ? 1 : sd };
      }
      const { codes, dictionary } = categoryReader(train, s.column);
      const counts = new Float64Array(dictionary.length);
      for (const c of codes) if (c >= 0) counts[c]!++;
      const present = dictionary.filter((_, i) => counts[i]! > 0);
      const sortedCats = [...present].sort();
      if (s.kind === 'ordinal') {
        return { column: s.column, kind: 'ordinal', categories: sortedCats, unknownValue: s.unknownValue === -1 ? -1 : NaN };
      }
      const minFreq = s.minFrequency ?? 0;
      const countOf = new Map(dictionary.map((d, i) => [d, counts[i]!]));
      const infrequent = sortedCats.filter((c) => countOf.get(c)! < minFreq);
      return {
        column: s.column,
        kind: 'onehot',
        categories: sortedCats.filter((c) => countOf.get(c)! >= minFreq),
        handleUnknown: s.handleUnknown ?? 'ignore',
        infrequent,
      };
    });
    return this;
  }

  private state(): FittedStep[] {
    if (this.fitted === null) throw new PreprocessorError('this Preprocessor is not fitted yet: call fit(trainDataset) first');
    return this.fitted;
  }

  /** The fitted steps (plain data). */
  get fittedSteps(): readonly FittedStep[] {
    return this.state();
  }

  /** Output column names, in order. */
  get outputNames(): string[] {
    return this.describe().map((d) => d.name);
  }

  /** Every output column in output order with its source, kind and fitted parameters. */
  describe(): OutputColumn[] {
    const out: OutputColumn[] = [];
    const base = { imputeValue: null, scaleMean: null, scaleStd: null, category: null, infrequentCategories: null, categories: null, unknownValue: null };
    for (const f of this.state()) {
      if (f.kind === 'numeric') {
        out.push({ ...base, name: f.column, source: f.column, kind: 'numeric', imputeValue: f.imputeValue, scaleMean: f.mean, scaleStd: f.std });
      } else if (f.kind === 'ordinal') {
        out.push({ ...base, name: f.column, source: f.column, kind: 'ordinal', categories: f.categories, unknownValue: f.unknownValue });
      } else {
        for (const c of f.categories) out.push({ ...base, name: `${f.column}_${c}`, source: f.column, kind: 'onehot', category: c });
        if (f.infrequent.length > 0) {
          out.push({ ...base, name: `${f.column}_infrequent_sklearn`, source: f.column, kind: 'onehot', infrequentCategories: f.infrequent });
        }
      }
    }
    return out;
  }

  /** Number of outputs of each fitted step. */
  private widths(): number[] {
    return this.state().map((f) => (f.kind === 'onehot' ? f.categories.length + (f.infrequent.length > 0 ? 1 : 0) : 1));
  }

  /**
   * Transforms a dataset into the feature matrix (rows x outputs, column-major). Needs every
   * step's column; extra columns are ignored.
   */
  transform(ds: Dataset): Matrix {
    const fitted = this.state();
    const widths = this.widths();
    const names = this.outputNames;
    const n = ds.rowCount;
    const m = createMatrix(n, names.length, names);
    const data = m.data;
    let col = 0;
    fitted.forEach((f, k) => {
      if (f.kind === 'numeric') {
        const values = ds.numeric(f.column);
        const off = col * n;
        for (let i = 0; i < n; i++) data[off + i] = numericValue(f, values[i]!);
      } else {
        const { codes, dictionary } = categoryReader(ds, f.column);
        // Map this dataset's dictionary to output slots once: then each row is one lookup.
        const slot = Float64Array.from(dictionary, (cat) => categorySlot(f, cat));
        if (f.kind === 'ordinal') {
          const off = col * n;
          for (let i = 0; i < n; i++) {
            const c = codes[i]!;
            data[off + i] = c < 0 ? NaN : slot[c]!;
          }
        } else {
          // data is zero-filled; set the one hot slot per row.
          for (let i = 0; i < n; i++) {
            const c = codes[i]!;
            if (c < 0) continue;
            const s = slot[c]!;
            if (s >= 0) data[(col + s) * n + i] = 1;
            else if (s === UNKNOWN_ERROR) throw unknownError(f.column, dictionary[c]!, i);
          }
        }
      }
      col += widths[k]!;
    });
    return m;
  }

  /**
   * Transforms one raw record (serving): numbers or numeric strings for numeric columns, strings
   * (numbers are stringified) for categorical ones, null/undefined/'' = missing. Gives exactly
   * the row `transform` gives for the same values.
   */
  transformRecord(record: Readonly<Record<string, RawValue>>): Float64Array {
    const fitted = this.state();
    const widths = this.widths();
    const out = new Float64Array(widths.reduce((a, b) => a + b, 0));
    let col = 0;
    fitted.forEach((f, k) => {
      const raw = record[f.column];
      if (f.kind === 'numeric') {
        out[col] = numericValue(f, toNumber(raw, f.column));
      } else {
        const cat = toCategory(raw, f.column);
        if (f.kind === 'ordinal') out[col] = cat === null ? NaN : categorySlot(f, cat);
        else if (cat !== null) {
          const s = categorySlot(f, cat);
          if (s >= 0) out[col + s] = 1;
          else if (s === UNKNOWN_ERROR) throw unknownError(f.column, cat, null);
        }
      }
      col += widths[k]!;
    });
    return out;
  }

  toJSON(): SerializedPreprocessor {
    // An ordinal unknownValue of NaN becomes null under JSON.stringify; fromJSON reads null as NaN.
    return { kind: 'preprocessor', formatVersion: 1, spec: this.spec, fitted: this.state() };
  }

  static fromJSON(json: SerializedPreprocessor): Preprocessor {
    if (json.kind !== 'preprocessor' || json.formatVersion !== 1) {
      throw new PreprocessorError(`fromJSON: expected kind 'preprocessor' formatVersion 1, got ${String(json.kind)} ${String(json.formatVersion)}`);
    }
    const p = new Preprocessor(json.spec);
    if (json.fitted.length !== json.spec.steps.length) throw new PreprocessorError('fromJSON: fitted steps do not match the spec');
    p.fitted = json.fitted.map(decodeStep);
    return p;
  }
}

const UNKNOWN_IGNORE = -1;
const UNKNOWN_ERROR = -2;

/** numeric: missing -> imputeValue, then (x - mean) / std when scaled. */
function numericValue(f: Extract<FittedStep, { kind: 'numeric' }>, v: number): number {
  const x = Number.isNaN(v) ? f.imputeValue : v;
  return f.mean === null ? x : (x - f.mean) / f.std!;
}

/**
 * ordinal: the code (or unknownValue); onehot: the output slot within the step, or
 * UNKNOWN_IGNORE / UNKNOWN_ERROR. Binary search over the sorted categories (same order as
 * JavaScript's default string sort, which is what fit used).
 */
function categorySlot(f: Exclude<FittedStep, { kind: 'numeric' }>, cat: string): number {
  const cats = f.categories;
  let lo = 0;
  let hi = cats.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = cats[mid]!;
    if (c === cat) return mid;
    if (c < cat) lo = mid + 1;
    else hi = mid - 1;
  }
  if (f.kind === 'ordinal') return f.unknownValue;
  if (f.handleUnknown === 'error') return UNKNOWN_ERROR;
  if (f.infrequent.length > 0) return cats.length; // infrequent or unknown -> the infrequent output
  return UNKNOWN_IGNORE;
}

function unknownError(column: string, cat: string, row: number | null): PreprocessorError {
  const where = row === null ? '' : ` at row ${row}`;
  return new PreprocessorError(`column '${column}'${where}: category ${JSON.stringify(cat)} was not seen in training (handleUnknown 'error'); use 'ignore' to encode it as all zeros`);
}

/** JSON has no NaN: an ordinal unknownValue written as null is read back as NaN. */
function decodeStep(f: FittedStep): FittedStep {
  if (f.kind === 'ordinal' && (f.unknownValue as number | null) === null) return { ...f, unknownValue: NaN };
  return f;
}
