import { asNumber, isMissing, toJsonCell, type DqValue, type JsonCell } from '../table.js';
import { column, mostly, optBool, reqString, reqStringArray } from './kwargs.js';
import { mapOutcome } from './column-map.js';
import type { ExpectationDefinition } from './types.js';

const PAIR_IGNORE = ['both_values_are_missing', 'either_value_is_missing', 'neither'] as const;
const MULTI_IGNORE = ['all_values_are_missing', 'any_value_is_missing', 'never'] as const;

function oneOf<T extends string>(kw: Readonly<Record<string, unknown>>, key: string, allowed: readonly T[], dflt: T): T {
  const v = kw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw new RangeError(`kwargs.${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

function greater(a: DqValue, b: DqValue, orEqual: boolean): boolean {
  if (isMissing(a) || isMissing(b)) return false;
  let x: string | number | boolean = a;
  let y: string | number | boolean = b;
  if (typeof x !== typeof y) {
    x = asNumber(a);
    y = asNumber(b);
  }
  return orEqual ? x >= y : x > y;
}

/**
 * expect_column_pair_values_a_to_be_greater_than_b {column_A, column_B, or_equal, ignore_row_if,
 * mostly}: ignored rows count as missing; a row with one missing value that is not ignored is
 * unexpected (NaN comparisons are false). partial_unexpected_list holds [A, B] pairs.
 */
export const pairAGreaterThanB: ExpectationDefinition = {
  type: 'expect_column_pair_values_a_to_be_greater_than_b',
  check(kw) {
    reqString(kw, 'column_A');
    reqString(kw, 'column_B');
    optBool(kw, 'or_equal', false);
    oneOf(kw, 'ignore_row_if', PAIR_IGNORE, 'both_values_are_missing');
    mostly(kw);
  },
  evaluate(kw, ctx) {
    const a = column(ctx.table, reqString(kw, 'column_A'));
    const b = column(ctx.table, reqString(kw, 'column_B'));
    const orEqual = optBool(kw, 'or_equal', false);
    const ignore = oneOf(kw, 'ignore_row_if', PAIR_IGNORE, 'both_values_are_missing');
    let considered = 0;
    let unexpected = 0;
    const partial: JsonCell[][] = [];
    for (let i = 0; i < ctx.rows; i++) {
      const ma = isMissing(a[i]);
      const mb = isMissing(b[i]);
      if ((ignore === 'both_values_are_missing' && ma && mb) || (ignore === 'either_value_is_missing' && (ma || mb))) continue;
      considered++;
      if (!greater(a[i], b[i], orEqual)) {
        unexpected++;
        if (partial.length < ctx.partialUnexpectedCount) partial.push([toJsonCell(a[i]), toJsonCell(b[i])]);
      }
    }
    return mapOutcome(ctx.rows, considered, unexpected, partial, mostly(kw));
  },
};

/**
 * expect_compound_columns_to_be_unique {column_list, ignore_row_if (all_values_are_missing),
 * mostly}: every row whose combination of values repeats is unexpected.
 */
export const compoundColumnsUnique: ExpectationDefinition = {
  type: 'expect_compound_columns_to_be_unique',
  check(kw) {
    if (reqStringArray(kw, 'column_list').length === 0) throw new RangeError('kwargs.column_list must name at least one column');
    oneOf(kw, 'ignore_row_if', MULTI_IGNORE, 'all_values_are_missing');
    mostly(kw);
  },
  evaluate(kw, ctx) {
    const names = reqStringArray(kw, 'column_list');
    const cols = names.map((n) => column(ctx.table, n));
    const ignore = oneOf(kw, 'ignore_row_if', MULTI_IGNORE, 'all_values_are_missing');
    const keys: (string | null)[] = new Array<string | null>(ctx.rows);
    const counts = new Map<string, number>();
    for (let i = 0; i < ctx.rows; i++) {
      let nMissing = 0;
      const parts: unknown[] = [];
      for (const c of cols) {
        const v = c[i];
        if (isMissing(v)) nMissing++;
        parts.push(isMissing(v) ? null : v);
      }
      if ((ignore === 'all_values_are_missing' && nMissing === cols.length) || (ignore === 'any_value_is_missing' && nMissing > 0)) {
        keys[i] = null;
        continue;
      }
      const key = JSON.stringify(parts);
      keys[i] = key;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let considered = 0;
    let unexpected = 0;
    const partial: Record<string, JsonCell>[] = [];
    for (let i = 0; i < ctx.rows; i++) {
      const k = keys[i];
      if (k === null) continue;
      considered++;
      if ((counts.get(k) ?? 0) > 1) {
        unexpected++;
        if (partial.length < ctx.partialUnexpectedCount) {
          const row: Record<string, JsonCell> = {};
          names.forEach((n, j) => (row[n] = toJsonCell(cols[j][i])));
          partial.push(row);
        }
      }
    }
    return mapOutcome(ctx.rows, considered, unexpected, partial, mostly(kw));
  },
};
