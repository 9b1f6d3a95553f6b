import { asNumber, isMissing, toJsonCell, type DqColumn, type DqValue, type JsonCell } from '../table.js';
import { betweenPredicate, checkMinMax, column, mostly, reqArray, reqString } from './kwargs.js';
import type { Evaluation, EvaluationContext, ExpectationDefinition, ExpectationResultDetails } from './types.js';

type Kw = Readonly<Record<string, unknown>>;

/**
 * Great Expectations' `_format_map_output` (SUMMARY): percentages of non-missing values;
 * success when nonnull = 0 (vacuous) or (nonnull - unexpected) / nonnull >= mostly.
 */
export function mapOutcome(
  elementCount: number,
  nonnullCount: number,
  unexpectedCount: number,
  partial: ExpectationResultDetails['partial_unexpected_list'],
  mostlyValue: number,
): Evaluation {
  const missing = elementCount - nonnullCount;
  const pctNonmissing = nonnullCount > 0 ? (unexpectedCount / nonnullCount) * 100 : null;
  const success = elementCount === 0 || nonnullCount === 0 ? true : (nonnullCount - unexpectedCount) / nonnullCount >= mostlyValue;
  return {
    success,
    result: {
      element_count: elementCount,
      unexpected_count: unexpectedCount,
      unexpected_percent: pctNonmissing,
      partial_unexpected_list: partial,
      missing_count: missing,
      missing_percent: elementCount > 0 ? (missing / elementCount) * 100 : null,
      unexpected_percent_total: elementCount > 0 ? (unexpectedCount / elementCount) * 100 : null,
      unexpected_percent_nonmissing: pctNonmissing,
    },
  };
}

/** A column map expectation: each non-missing value is expected or not. */
function columnMap(
  type: string,
  check: (kw: Kw) => void,
  predicate: (kw: Kw, col: DqColumn) => (v: DqValue) => boolean,
): ExpectationDefinition {
  return {
    type,
    check(kw) {
      reqString(kw, 'column');
      mostly(kw);
      check(kw);
    },
    evaluate(kw, ctx: EvaluationContext): Evaluation {
      const col = column(ctx.table, reqString(kw, 'column'));
      const ok = predicate(kw, col);
      let nonnull = 0;
      let unexpected = 0;
      const partial: JsonCell[] = [];
      for (let i = 0; i < col.length; i++) {
        const v = col[i];
        if (isMissing(v)) continue;
        nonnull++;
        if (!ok(v)) {
          unexpected++;
          if (partial.length < ctx.partialUnexpectedCount) partial.push(toJsonCell(v));
        }
      }
      return mapOutcome(ctx.rows, nonnull, unexpected, partial, mostly(kw));
    },
  };
}

/** expect_column_values_to_not_be_null: unexpected = missing cells, of all rows. */
export const notNull: ExpectationDefinition = {
  type: 'expect_column_values_to_not_be_null',
  check(kw) {
    reqString(kw, 'column');
    mostly(kw);
  },
  evaluate(kw, ctx) {
    const col = column(ctx.table, reqString(kw, 'column'));
    let nulls = 0;
    const partial: JsonCell[] = [];
    for (let i = 0; i < col.length; i++) {
      if (isMissing(col[i])) {
        nulls++;
        if (partial.length < ctx.partialUnexpectedCount) partial.push(null);
      }
    }
    const n = ctx.rows;
    const pct = n > 0 ? (nulls / n) * 100 : null;
    return {
      success: n === 0 ? true : (n - nulls) / n >= mostly(kw),
      result: {
        element_count: n,
        unexpected_count: nulls,
        unexpected_percent: pct,
        unexpected_percent_total: pct,
        partial_unexpected_list: partial,
      },
    };
  },
};

/** expect_column_values_to_be_between (min_value / max_value, strict_min / strict_max). Non-numbers are unexpected. */
export const valuesBetween = columnMap(
  'expect_column_values_to_be_between',
  (kw) => checkMinMax(kw),
  (kw) => {
    const inRange = betweenPredicate(kw);
    return (v) => {
      const x = typeof v === 'number' ? v : asNumber(v);
      return !Number.isNaN(x) && inRange(x);
    };
  },
);

function valueSet(kw: Kw): Set<DqValue> {
  const s = new Set<DqValue>();
  reqArray(kw, 'value_set').forEach((x, i) => {
    if (x !== null && !['string', 'number', 'boolean'].includes(typeof x)) {
      throw new TypeError(`kwargs.value_set[${i}] must be a string, number, boolean or null`);
    }
    s.add(x as DqValue);
  });
  return s;
}

/** expect_column_values_to_be_in_set (pandas isin: "1" and 1 differ). */
export const valuesInSet = columnMap(
  'expect_column_values_to_be_in_set',
  (kw) => void valueSet(kw),
  (kw) => {
    const s = valueSet(kw);
    return (v) => s.has(v);
  },
);

/** expect_column_values_to_not_be_in_set. */
export const valuesNotInSet = columnMap(
  'expect_column_values_to_not_be_in_set',
  (kw) => void valueSet(kw),
  (kw) => {
    const s = valueSet(kw);
    return (v) => !s.has(v);
  },
);

/** expect_column_values_to_be_unique: every occurrence of a repeated value is unexpected (duplicated(keep=False)). */
export const valuesUnique = columnMap(
  'expect_column_values_to_be_unique',
  () => undefined,
  (_kw, col) => {
    const counts = new Map<DqValue, number>();
    for (let i = 0; i < col.length; i++) {
      const v = col[i];
      if (!isMissing(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    return (v) => counts.get(v) === 1;
  },
);

function compileRegex(kw: Kw): RegExp {
  const src = reqString(kw, 'regex');
  try {
    return new RegExp(src, 'u');
  } catch (e) {
    throw new SyntaxError(`kwargs.regex "${src}" is not a valid regular expression: ${(e as Error).message}`);
  }
}

/** expect_column_values_to_match_regex: a match anywhere in the value's string form (pandas str.contains). */
export const valuesMatchRegex = columnMap(
  'expect_column_values_to_match_regex',
  (kw) => void compileRegex(kw),
  (kw) => {
    const re = compileRegex(kw);
    return (v) => re.test(String(v));
  },
);

/** expect_column_values_to_not_match_regex. */
export const valuesNotMatchRegex = columnMap(
  'expect_column_values_to_not_match_regex',
  (kw) => void compileRegex(kw),
  (kw) => {
    const re = compileRegex(kw);
    return (v) => !re.test(String(v));
  },
);
