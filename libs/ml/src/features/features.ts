import { type Column, type Dataset, categoricalColumn, numericColumn, toCategory, toNumber } from '../data/dataset.js';

/**
 * Declarative feature engineering: one definition, fitted on the training split, applied the same
 * way to a dataset (offline) and to one record (online). Both paths call the same scalar kernels,
 * so they agree exactly.
 */

/** Bins like pandas.cut: with `right` (default) bin i is (edges[i], edges[i+1]]; `includeLowest` closes the first bin on the left. Outside/NaN -> missing. */
export interface BinsFeature {
  readonly name: string;
  readonly kind: 'bins';
  readonly source: string;
  /** Increasing edges; `"inf"` / `"-inf"` stand for infinities (JSON has none). */
  readonly edges: readonly (number | 'inf' | '-inf')[];
  readonly labels: readonly string[];
  readonly right?: boolean;
  readonly includeLowest?: boolean;
}

/** a * b (NaN if either is missing). */
export interface ProductFeature {
  readonly name: string;
  readonly kind: 'product';
  readonly sources: readonly [string, string];
}

/** numerator / (denominator + offset), IEEE division (x / 0 = +-Infinity, 0 / 0 = NaN, like pandas). */
export interface RatioFeature {
  readonly name: string;
  readonly kind: 'ratio';
  readonly numerator: string;
  readonly denominator: string;
  readonly offset?: number;
}

/**
 * A comparison. `value` is a literal; `statistic` is computed from the training column
 * (median or mean of its non-missing values, like pandas' skipna). Missing values compare false.
 */
export interface Condition {
  readonly column: string;
  readonly op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
  readonly value?: number | string;
  readonly statistic?: 'median' | 'mean';
}

/** 1 when every condition holds, else 0. */
export interface FlagFeature {
  readonly name: string;
  readonly kind: 'flag';
  readonly all: readonly Condition[];
}

export type FeatureDefinition = BinsFeature | ProductFeature | RatioFeature | FlagFeature;

export interface FeatureSpec {
  readonly features: readonly FeatureDefinition[];
}

/**
 * The seed's four features. tenure_category follows pandas.cut(tenure, [0, 12, 24, 48, inf],
 * labels=[...]) with its defaults (right=True, include_lowest=False): tenure 0 falls in no bin
 * and is missing, as the seed got (checked with pandas 3.1: pd.cut(0, ...) is NaN; 11 Telco rows).
 */
export const TELCO_FEATURES: FeatureSpec = {
  features: [
    { name: 'tenure_category', kind: 'bins', source: 'tenure', edges: [0, 12, 24, 48, 'inf'], labels: ['New', 'Medium', 'Long', 'Very_Long'] },
    { name: 'total_amount', kind: 'product', sources: ['tenure', 'monthly_charges'] },
    { name: 'avg_monthly_charges', kind: 'ratio', numerator: 'monthly_charges', denominator: 'tenure', offset: 1 },
    {
      name: 'is_high_risk',
      kind: 'flag',
      all: [
        { column: 'contract', op: 'eq', value: 'Month-to-month' },
        { column: 'monthly_charges', op: 'gt', statistic: 'median' },
      ],
    },
  ],
};

export class FeatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureError';
  }
}

type RawValue = string | number | boolean | null | undefined;

// ---- scalar kernels: the only place the arithmetic lives --------------------------------------

function edgeValue(e: number | 'inf' | '-inf'): number {
  return e === 'inf' ? Infinity : e === '-inf' ? -Infinity : e;
}

/** Bin index of v (pandas.cut semantics), or -1. */
export function binIndex(v: number, edges: Float64Array, right: boolean, includeLowest: boolean): number {
  if (Number.isNaN(v)) return -1;
  const k = edges.length - 1;
  for (let i = 0; i < k; i++) {
    const lo = edges[i]!;
    const hi = edges[i + 1]!;
    if (right) {
      if ((v > lo || (includeLowest && i === 0 && v === lo)) && v <= hi) return i;
    } else if (v >= lo && (v < hi || (includeLowest && i === k - 1 && v === hi))) return i;
  }
  return -1;
}

function compare(op: Condition['op'], a: number | string, b: number | string): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

/** A condition on a value (null = missing -> false). */
function holds(op: Condition['op'], v: number | string | null, target: number | string): boolean {
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return false;
  if (typeof target === 'number' && typeof v !== 'number') return false;
  if (typeof target === 'string' && typeof v !== 'string') return false;
  return compare(op, v, target);
}

// ---- fitting ------------------------------------------------------------------------------------

function statistic(values: Float64Array, kind: 'median' | 'mean'): number {
  const x = values.filter((a) => !Number.isNaN(a)).sort();
  const n = x.length;
  if (n === 0) return NaN;
  if (kind === 'mean') return x.reduce((a, b) => a + b, 0) / n;
  return n % 2 === 1 ? x[(n - 1) / 2]! : (x[n / 2 - 1]! + x[n / 2]!) / 2;
}

/** A condition with its target fixed (literal or fitted statistic). */
interface FittedCondition {
  readonly column: string;
  readonly op: Condition['op'];
  readonly target: number | string;
}

export interface SerializedFeatures {
  readonly kind: 'features';
  readonly formatVersion: 1;
  readonly spec: FeatureSpec;
  /** Fitted statistics by `<feature>.<condition index>`, e.g. `is_high_risk.1` = median monthly_charges. */
  readonly statistics: Readonly<Record<string, number>>;
}

/** Features fitted on a training dataset: `apply` and `applyRecord` compute identical values. */
export class FittedFeatures {
  private readonly edges = new Map<string, Float64Array>();
  private readonly conditions = new Map<string, FittedCondition[]>();

  constructor(
    readonly spec: FeatureSpec,
    readonly statistics: Readonly<Record<string, number>>,
  ) {
    for (const f of spec.features) {
      if (f.kind === 'bins') {
        const e = Float64Array.from(f.edges, edgeValue);
        for (let i = 1; i < e.length; i++) {
          if (!(e[i]! > e[i - 1]!)) throw new FeatureError(`feature '${f.name}': bin edges must increase, got ${JSON.stringify(f.edges)}`);
        }
        if (f.labels.length !== e.length - 1) {
          throw new FeatureError(`feature '${f.name}': ${e.length - 1} bins need ${e.length - 1} labels, got ${f.labels.length}`);
        }
        this.edges.set(f.name, e);
      } else if (f.kind === 'flag') {
        this.conditions.set(
          f.name,
          f.all.map((c, i) => {
            const key = `${f.name}.${i}`;
            const target = c.statistic !== undefined ? statistics[key] : c.value;
            if (target === undefined) throw new FeatureError(`feature '${f.name}' condition ${i}: give a value or a statistic (fitted ${key} missing)`);
            return { column: c.column, op: c.op, target };
          }),
        );
      }
    }
  }

  /** Names of the features, in spec order. */
  get names(): string[] {
    return this.spec.features.map((f) => f.name);
  }

  /** The dataset with the feature columns added (or replaced). */
  apply(ds: Dataset): Dataset {
    const n = ds.rowCount;
    // Features may use earlier features: apply them in order on a growing dataset.
    let cur = ds;
    for (const f of this.spec.features) {
      let col: Column;
      if (f.kind === 'bins') {
        const v = cur.numeric(f.source);
        const e = this.edges.get(f.name)!;
        const codes = new Int32Array(n);
        for (let i = 0; i < n; i++) codes[i] = binIndex(v[i]!, e, f.right ?? true, f.includeLowest ?? false);
        col = categoricalColumn(f.name, codes, f.labels);
      } else if (f.kind === 'product') {
        const a = cur.numeric(f.sources[0]);
        const b = cur.numeric(f.sources[1]);
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
        col = numericColumn(f.name, out);
      } else if (f.kind === 'ratio') {
        const a = cur.numeric(f.numerator);
        const b = cur.numeric(f.denominator);
        const off = f.offset ?? 0;
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = a[i]! / (b[i]! + off);
        col = numericColumn(f.name, out);
      } else {
        const conds = this.conditions.get(f.name)!;
        const out = new Float64Array(n).fill(1);
        for (const c of conds) {
          const column = cur.column(c.column);
          for (let i = 0; i < n; i++) {
            if (out[i] === 0) continue;
            // The same conversion as applyRecord: to a number when the target is a number, else to a string.
            let raw: RawValue;
            if (column.type === 'numeric') raw = column.values[i]!;
            else {
              const code = column.codes[i]!;
              raw = code < 0 ? null : column.categories[code]!;
            }
            if (!holds(c.op, conditionValue(raw, c), c.target)) out[i] = 0;
          }
        }
        col = numericColumn(f.name, out);
      }
      cur = cur.withColumns([col]);
    }
    return cur;
  }

  /**
   * One raw record with the features added (serving). Numeric sources accept numbers or numeric
   * strings; missing = null/undefined/''. Bins give the label or null.
   */
  applyRecord(record: Readonly<Record<string, RawValue>>): Record<string, RawValue> {
    const out: Record<string, RawValue> = { ...record };
    for (const f of this.spec.features) {
      if (f.kind === 'bins') {
        const i = binIndex(toNumber(out[f.source], f.source), this.edges.get(f.name)!, f.right ?? true, f.includeLowest ?? false);
        out[f.name] = i < 0 ? null : f.labels[i]!;
      } else if (f.kind === 'product') {
        out[f.name] = nullIfNaN(toNumber(out[f.sources[0]], f.sources[0]) * toNumber(out[f.sources[1]], f.sources[1]));
      } else if (f.kind === 'ratio') {
        out[f.name] = nullIfNaN(toNumber(out[f.numerator], f.numerator) / (toNumber(out[f.denominator], f.denominator) + (f.offset ?? 0)));
      } else {
        let flag = 1;
        for (const c of this.conditions.get(f.name)!) {
          if (!holds(c.op, conditionValue(out[c.column], c), c.target)) {
            flag = 0;
            break;
          }
        }
        out[f.name] = flag;
      }
    }
    return out;
  }

  toJSON(): SerializedFeatures {
    return { kind: 'features', formatVersion: 1, spec: this.spec, statistics: this.statistics };
  }

  static fromJSON(json: SerializedFeatures): FittedFeatures {
    if (json.kind !== 'features' || json.formatVersion !== 1) {
      throw new FeatureError(`fromJSON: expected kind 'features' formatVersion 1, got ${String(json.kind)} ${String(json.formatVersion)}`);
    }
    return new FittedFeatures(json.spec, json.statistics);
  }
}

function conditionValue(raw: RawValue, c: FittedCondition): number | string | null {
  if (typeof c.target === 'number') return toNumber(raw, c.column);
  if (typeof raw === 'number' && Number.isNaN(raw)) return null;
  return toCategory(raw, c.column);
}

function nullIfNaN(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/**
 * Fits the statistics of `spec` (e.g. the median of monthly_charges) on the training dataset.
 * A statistic over a column with no non-missing value is an error.
 */
export function fitFeatures(spec: FeatureSpec, train: Dataset): FittedFeatures {
  const names = new Set<string>();
  const stats: Record<string, number> = {};
  for (const f of spec.features) {
    if (names.has(f.name)) throw new FeatureError(`feature name '${f.name}' is used twice`);
    names.add(f.name);
    if (f.kind !== 'flag') continue;
    f.all.forEach((c, i) => {
      if ((c.statistic === undefined) === (c.value === undefined)) {
        throw new FeatureError(`feature '${f.name}' condition ${i}: give exactly one of value or statistic`);
      }
      if (c.statistic !== undefined) {
        const s = statistic(train.numeric(c.column), c.statistic);
        if (Number.isNaN(s)) throw new FeatureError(`feature '${f.name}': column '${c.column}' has no non-missing training value for the ${c.statistic}`);
        stats[`${f.name}.${i}`] = s;
      }
    });
  }
  return new FittedFeatures(spec, stats);
}
