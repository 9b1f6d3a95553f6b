import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFixture, readTelcoCsv, REPO_ROOT, tableFromJson } from './__fixtures__/read-fixture.js';
import { parseSuite, SuiteError } from './suite/suite.js';
import { summarizeFailures, validateTable, type ExpectationValidationResult } from './validate.js';
import type { DqValue } from './table.js';

interface GeResult {
  type: string;
  kwargs: Record<string, unknown>;
  success: boolean;
  raised: boolean;
  result: {
    element_count?: number;
    unexpected_count?: number;
    unexpected_percent?: number | null;
    missing_count?: number;
    observed_value?: unknown;
    partial_unexpected_list?: unknown[];
  };
}
interface GeFixture {
  great_expectations: string;
  telco: GeResult[];
  broken: { results: GeResult[]; table: Record<string, DqValue[]> };
  edge: { results: GeResult[]; table: Record<string, DqValue[]> };
}
const fx = readFixture<GeFixture>('ge-results.json');
const SUITE_PATH = join(REPO_ROOT, 'config', 'data-quality', 'customer_data.suite.yaml');
const suiteText = readFileSync(SUITE_PATH, 'utf8');

function expectSameAsGe(ours: ExpectationValidationResult, ge: GeResult): void {
  const ctx = `${ge.type} ${JSON.stringify(ge.kwargs)}`;
  expect([ctx, ours.expectation_type, ours.success]).toEqual([ctx, ge.type, ge.success]);
  const g = ge.result;
  const r = ours.result;
  for (const key of ['element_count', 'unexpected_count', 'missing_count'] as const) {
    if (g[key] !== undefined) expect([ctx, key, r[key]]).toEqual([ctx, key, g[key]]);
  }
  if (g.unexpected_percent !== undefined) {
    if (g.unexpected_percent === null) expect([ctx, r.unexpected_percent]).toEqual([ctx, null]);
    else expect([ctx, Math.abs((r.unexpected_percent as number) - g.unexpected_percent) <= 1e-12]).toEqual([ctx, true]);
  }
  if (g.observed_value !== undefined) {
    if (typeof g.observed_value === 'number') {
      const o = r.observed_value as number;
      expect([ctx, Math.abs(o - g.observed_value) <= 1e-12 * Math.max(1, Math.abs(g.observed_value))]).toEqual([ctx, true]);
    } else expect([ctx, r.observed_value]).toEqual([ctx, g.observed_value]);
  }
  if (g.partial_unexpected_list !== undefined) expect([ctx, r.partial_unexpected_list]).toEqual([ctx, g.partial_unexpected_list]);
}

describe(`validateTable against Great Expectations ${fx.great_expectations}`, () => {
  it('Telco suite on data/raw/customer_data.csv: every expectation as GE reports it, suite passes', () => {
    const result = validateTable(readTelcoCsv(), suiteText);
    expect(result.results).toHaveLength(fx.telco.length);
    result.results.forEach((r, i) => expectSameAsGe(r, fx.telco[i]));
    expect(result.success).toBe(true);
    expect(result.statistics).toEqual({ evaluated: 21, successful: 21, unsuccessful: 0, success_percent: 100 });
    const notNullTotal = result.results[6];
    expect([notNullTotal.result.unexpected_count, notNullTotal.success]).toEqual([11, true]); // 11 blank total_charges, mostly 0.99
  });

  it('a broken copy of the Telco data fails exactly where GE fails', () => {
    const result = validateTable(tableFromJson(fx.broken.table), suiteText);
    result.results.forEach((r, i) => expectSameAsGe(r, fx.broken.results[i]));
    expect(result.failing.map((f) => f.expectation_type)).toEqual(fx.broken.results.filter((g) => !g.success).map((g) => g.type));
    const summary = summarizeFailures(result);
    expect(summary.find((s) => s.expectationType === 'expect_column_pair_values_a_to_be_greater_than_b')).toEqual({
      expectationType: 'expect_column_pair_values_a_to_be_greater_than_b',
      columns: ['total_charges', 'monthly_charges'],
      unexpectedCount: 10,
      unexpectedPercent: fx.broken.results[18].result.unexpected_percent,
    });
  });

  it('edge cases: mostly, strict bounds, regex, pair ignore rules, compound unique, aggregates, row_condition', () => {
    const suite = { name: 'edge', expectations: fx.edge.results.map((g) => ({ type: g.type, kwargs: g.kwargs })) };
    const result = validateTable(tableFromJson(fx.edge.table), suite);
    result.results.forEach((r, i) => expectSameAsGe(r, fx.edge.results[i]));
  });
});

describe('suite parsing and errors', () => {
  it('reads the Telco suite (YAML) with its row_condition', () => {
    const s = parseSuite(suiteText);
    expect(s.name).toBe('customer_data');
    expect(s.expectations.length).toBe(21);
  });

  it('lists every problem with its path', () => {
    const bad = {
      name: 'x',
      expectations: [
        { type: 'expect_column_values_to_be_between', kwargs: { column: 'a' } },
        { type: 'expect_nonsense', kwargs: {} },
        { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'a', mostly: 2 } },
        { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'a', value_set: [1], row_condition: 'a >> 1' } },
      ],
    };
    expect(() => parseSuite(bad)).toThrow(SuiteError);
    let message = '';
    try {
      parseSuite(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('expectations[0] (expect_column_values_to_be_between): kwargs: set min_value, max_value or both');
    expect(message).toContain('expectations[1].type "expect_nonsense" is not supported');
    expect(message).toContain('expectations[2] (expect_column_values_to_not_be_null): kwargs.mostly must be in [0, 1], got 2');
    expect(message).toContain('expectations[3].kwargs.row_condition "a >> 1"');
    expect(() => parseSuite('name: [')).toThrow('suite: not valid YAML/JSON');
  });

  it('a missing column fails the expectation with exception_info, as GE does', () => {
    const r = validateTable({ a: Float64Array.of(1) }, { name: 's', expectations: [{ type: 'expect_column_values_to_be_unique', kwargs: { column: 'b' } }] });
    expect(r.results[0]).toMatchObject({ success: false, exception_info: { raised_exception: true, exception_message: 'column "b" does not exist in the table' } });
    expect(r.statistics).toEqual({ evaluated: 1, successful: 0, unsuccessful: 1, success_percent: 0 });
  });

  it('rejects columns of different lengths naming them', () => {
    expect(() => validateTable({ a: [1, 2], b: [1] }, { name: 's', expectations: [] })).toThrow('table["b"] has 1 rows but table["a"] has 2');
  });
});

describe('freshness and types', () => {
  const suite = {
    name: 'fresh',
    expectations: [
      { type: 'expect_column_max_age_to_be_less_than', kwargs: { column: 'ts', max_age_seconds: 3600 } },
      { type: 'expect_column_values_to_be_of_type', kwargs: { column: 'n', type_: 'int64' } },
      { type: 'expect_column_values_to_be_of_type', kwargs: { column: 'ts', type_: 'str' } },
    ],
  };
  const table = { ts: ['2026-11-26T10:00:00Z', null, '2026-11-26T09:00:00Z'], n: Float64Array.of(1, 2, 3) };
  it('age of the newest timestamp relative to `now`', () => {
    const fresh = validateTable(table, suite, { now: '2026-11-26T10:30:00Z' });
    expect(fresh.results.map((r) => [r.success, r.result.observed_value])).toEqual([
      [true, 1800],
      [true, 'int64'],
      [true, 'object'],
    ]);
    const stale = validateTable(table, suite, { now: '2026-11-26T12:00:00Z' });
    expect([stale.results[0].success, stale.results[0].result.observed_value]).toEqual([false, 7200]);
    expect(() => validateTable(table, suite, { now: 'yesterday' })).toThrow('options.now must be a Date');
  });
});
