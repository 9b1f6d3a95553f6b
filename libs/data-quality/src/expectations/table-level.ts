import { betweenPredicate, checkMinMax, optBool, reqString, reqStringArray } from './kwargs.js';
import type { ExpectationDefinition } from './types.js';

/** expect_table_row_count_to_be_between {min_value, max_value}: observed_value = row count. */
export const rowCountBetween: ExpectationDefinition = {
  type: 'expect_table_row_count_to_be_between',
  check: (kw) => checkMinMax(kw),
  evaluate: (kw, ctx) => ({ success: betweenPredicate(kw)(ctx.rows), result: { observed_value: ctx.rows } }),
};

/** expect_table_row_count_to_equal {value}. */
export const rowCountEqual: ExpectationDefinition = {
  type: 'expect_table_row_count_to_equal',
  check(kw) {
    if (typeof kw.value !== 'number' || !Number.isInteger(kw.value)) throw new TypeError('kwargs.value must be an integer');
  },
  evaluate: (kw, ctx) => ({ success: ctx.rows === kw.value, result: { observed_value: ctx.rows } }),
};

/**
 * expect_table_columns_to_match_set {column_set, exact_match = true}: exact -> same set; otherwise
 * column_set must be a subset of the table's columns. observed_value is the sorted column list (as GE); details.mismatched lists unexpected and
 * missing columns.
 */
export const columnsMatchSet: ExpectationDefinition = {
  type: 'expect_table_columns_to_match_set',
  check(kw) {
    reqStringArray(kw, 'column_set');
    optBool(kw, 'exact_match', true);
  },
  evaluate(kw, ctx) {
    const actual = Object.keys(ctx.table);
    const expected = new Set(reqStringArray(kw, 'column_set'));
    const have = new Set(actual);
    const unexpected = actual.filter((c) => !expected.has(c));
    const missing = [...expected].filter((c) => !have.has(c));
    const exact = optBool(kw, 'exact_match', true);
    const success = missing.length === 0 && (!exact || unexpected.length === 0);
    const result: { observed_value: string[]; details?: Record<string, unknown> } = { observed_value: [...actual].sort() };
    if (unexpected.length || missing.length) result.details = { mismatched: { unexpected, missing } };
    return { success, result };
  },
};

/** expect_column_to_exist {column}. */
export const columnExists: ExpectationDefinition = {
  type: 'expect_column_to_exist',
  check: (kw) => void reqString(kw, 'column'),
  evaluate: (kw, ctx) => ({ success: reqString(kw, 'column') in ctx.table, result: {} }),
};
