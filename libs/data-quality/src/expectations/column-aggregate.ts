import { isMissing, type DqColumn } from '../table.js';
import { compensatedMean, median, sampleStd } from '../profile/numeric.js';
import { betweenPredicate, checkMinMax, column, optNumber, reqString } from './kwargs.js';
import type { Evaluation, ExpectationDefinition, ObservedValue } from './types.js';

/** Finite numbers of a column (missing and non-numeric cells skipped), as a Float64Array. */
export function numericValues(col: DqColumn): Float64Array {
  if (col instanceof Float64Array) {
    let n = 0;
    for (const v of col) if (!Number.isNaN(v)) n++;
    const out = new Float64Array(n);
    let k = 0;
    for (const v of col) if (!Number.isNaN(v)) out[k++] = v;
    return out;
  }
  const out: number[] = [];
  for (const v of col) if (typeof v === 'number' && !Number.isNaN(v)) out.push(v);
  return Float64Array.from(out);
}

function aggregate(type: string, stat: (x: Float64Array) => number): ExpectationDefinition {
  return {
    type,
    check(kw) {
      reqString(kw, 'column');
      checkMinMax(kw);
    },
    evaluate(kw, ctx): Evaluation {
      const x = numericValues(column(ctx.table, reqString(kw, 'column')));
      const observed = x.length === 0 ? null : stat(x);
      const ok = observed !== null && !Number.isNaN(observed) && betweenPredicate(kw)(observed);
      return { success: ok, result: { observed_value: observed !== null && Number.isNaN(observed) ? null : observed } };
    },
  };
}

function minOf(x: Float64Array): number {
  let m = Infinity;
  for (const v of x) if (v < m) m = v;
  return m;
}
function maxOf(x: Float64Array): number {
  let m = -Infinity;
  for (const v of x) if (v > m) m = v;
  return m;
}

export const columnMinBetween = aggregate('expect_column_min_to_be_between', minOf);
export const columnMaxBetween = aggregate('expect_column_max_to_be_between', maxOf);
export const columnMeanBetween = aggregate('expect_column_mean_to_be_between', compensatedMean);
export const columnMedianBetween = aggregate('expect_column_median_to_be_between', (x) => median(x));
/** Sample standard deviation (ddof = 1, as pandas and Great Expectations). NaN (-> null) for one value. */
export const columnStdevBetween = aggregate('expect_column_stdev_to_be_between', sampleStd);

/**
 * The dtype name pandas would give the column: `int64` for whole numbers without missing values,
 * `float64` for other numbers, `bool`, `object` for strings or mixed cells.
 */
export function inferDtype(col: DqColumn): string {
  let sawNumber = false;
  let sawMissing = false;
  let allInt = true;
  let sawBool = false;
  let sawOther = false;
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (isMissing(v)) {
      sawMissing = true;
    } else if (typeof v === 'number') {
      sawNumber = true;
      if (!Number.isInteger(v)) allInt = false;
    } else if (typeof v === 'boolean') sawBool = true;
    else sawOther = true;
  }
  if (sawOther || (sawBool && sawNumber)) return 'object';
  if (sawBool) return sawMissing ? 'object' : 'bool';
  if (sawNumber || col instanceof Float64Array) return allInt && !sawMissing && sawNumber ? 'int64' : 'float64';
  return 'object';
}

const TYPE_GROUPS: readonly (readonly string[])[] = [
  ['int', 'int64', 'int32', 'integer', 'integertype', 'bigint', 'long'],
  ['float', 'float64', 'float32', 'double', 'number', 'numeric', 'floattype', 'doubletype'],
  ['bool', 'boolean', 'booleantype'],
  ['object', 'str', 'string', 'stringtype', 'varchar', 'text'],
];

/** expect_column_values_to_be_of_type: compares `type_` with the inferred dtype (aliases accepted). */
export const valuesOfType: ExpectationDefinition = {
  type: 'expect_column_values_to_be_of_type',
  check(kw) {
    reqString(kw, 'column');
    reqString(kw, 'type_');
  },
  evaluate(kw, ctx) {
    const observed = inferDtype(column(ctx.table, reqString(kw, 'column')));
    const want = reqString(kw, 'type_').toLowerCase();
    const group = TYPE_GROUPS.find((g) => g.includes(want));
    return { success: want === observed || (group?.includes(observed) ?? false), result: { observed_value: observed } };
  },
};

function toEpochMs(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Date.parse(v);
  if (v instanceof Date) return v.getTime();
  return Number.NaN;
}

/**
 * Freshness (not a core Great Expectations expectation; GE users check the maximum timestamp):
 * `expect_column_max_age_to_be_less_than` {column, max_age_seconds} succeeds when
 * (now - max(column)) <= max_age_seconds. Cells are ISO-8601 strings or epoch milliseconds;
 * observed_value is the age in seconds.
 */
export const columnMaxAge: ExpectationDefinition = {
  type: 'expect_column_max_age_to_be_less_than',
  check(kw) {
    reqString(kw, 'column');
    const s = optNumber(kw, 'max_age_seconds');
    if (s === null || s < 0) throw new RangeError('kwargs.max_age_seconds must be a number >= 0');
  },
  evaluate(kw, ctx) {
    const col = column(ctx.table, reqString(kw, 'column'));
    let max = -Infinity;
    let unparsable = 0;
    for (let i = 0; i < col.length; i++) {
      const v = col[i];
      if (isMissing(v)) continue;
      const t = toEpochMs(v);
      if (Number.isNaN(t)) unparsable++;
      else if (t > max) max = t;
    }
    const limit = optNumber(kw, 'max_age_seconds') as number;
    if (max === -Infinity) return { success: false, result: { observed_value: null, details: { unparsable_count: unparsable } } };
    const age: ObservedValue = (ctx.now - max) / 1000;
    return {
      success: age <= limit,
      result: { observed_value: age, details: { max_timestamp: new Date(max).toISOString(), unparsable_count: unparsable } },
    };
  },
};
