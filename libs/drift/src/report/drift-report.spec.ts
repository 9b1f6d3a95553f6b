import { readFixture, num, scaledError, relativeError, type JsonNum } from '../__fixtures__/read-fixture.js';
import { columnDrift, defaultDriftRole, driftReport, type DriftOptions, type DriftTable } from './drift-report.js';
import { parseDriftTestName } from './drift-tests.js';

interface ReportCase {
  name: string;
  options: DriftOptions;
  reference: Record<string, (number | string | null)[]>;
  current: Record<string, (number | string | null)[]>;
  columns: Record<string, { test: string; threshold: number; score: JsonNum }>;
  driftedShare: number;
  driftedCount: number;
}
const fx = readFixture<{ cases: ReportCase[] }>('report.json');
const NUMERIC = new Set(['tenure', 'monthly_charges', 'total_charges', 'senior_citizen', 'num_services']);

function toTable(raw: Record<string, (number | string | null)[]>): DriftTable {
  const t: Record<string, Float64Array | (string | null)[]> = {};
  for (const [k, v] of Object.entries(raw)) {
    t[k] = NUMERIC.has(k) ? Float64Array.from(v, (x) => num(x as JsonNum)) : (v as (string | null)[]);
  }
  return t;
}

describe('driftReport against Evidently 0.7 Report([DataDriftPreset()])', () => {
  it.each(fx.cases.map((c) => [c.name, c] as const))('%s: same tests, scores (1e-9) and drifted share', (_n, c) => {
    const report = driftReport(toTable(c.reference), toTable(c.current), c.options);
    expect(report.numberOfColumns).toBe(Object.keys(c.columns).length);
    for (const col of report.columns) {
      const want = c.columns[col.column];
      const score = col.pValue ?? col.statistic;
      const expected = num(want.score);
      const ctx = `${col.column}: ${col.test} ${score} vs Evidently ${want.test} ${expected}`;
      expect([ctx, col.test, col.threshold]).toEqual([ctx, want.test, want.threshold]);
      expect([ctx, scaledError(score, expected) <= 1e-9]).toEqual([ctx, true]);
      if (expected > 1e-290) expect([ctx, relativeError(score, expected) <= 1e-6]).toEqual([ctx, true]);
    }
    expect(report.numberOfDriftedColumns).toBe(c.driftedCount);
    expect(report.driftedShare).toBe(c.driftedShare);
    expect(report.datasetDrift).toBe(c.driftedShare >= 0.5);
  });

  it('a table compared with itself does not drift', () => {
    const t = toTable(fx.cases[2].reference);
    const r = driftReport(t, t);
    expect(r.numberOfDriftedColumns).toBe(0);
    expect(r.datasetDrift).toBe(false);
  });
});

describe('default test choice (Evidently _get_default_stattest)', () => {
  it('follows the reference-size / type / n_unique table', () => {
    expect(defaultDriftRole('numeric', 1000, 6)).toBe('numericSmall');
    expect(defaultDriftRole('numeric', 1000, 5)).toBe('categoricalSmall');
    expect(defaultDriftRole('numeric', 1000, 2)).toBe('binarySmall');
    expect(defaultDriftRole('categorical', 10, 2)).toBe('binarySmall');
    expect(defaultDriftRole('categorical', 10, 3)).toBe('categoricalSmall');
    expect(defaultDriftRole('numeric', 1001, 6)).toBe('numericLarge');
    expect(defaultDriftRole('numeric', 1001, 5)).toBe('categoricalLarge');
    expect(defaultDriftRole('categorical', 5000, 2)).toBe('categoricalLarge');
  });

  it('counts n_unique over reference and current together and after dropping NaN', () => {
    const ref = Float64Array.of(1, 2, 3, Number.NaN, 1, 2);
    const cur = Float64Array.of(4, 5, 6, Number.NaN);
    const r = columnDrift('x', ref, cur);
    expect(r.nUnique).toBe(6);
    expect(r.test).toBe('ks');
    expect(r.referenceCount).toBe(5);
    expect(columnDrift('x', Float64Array.of(1, 2, 3), Float64Array.of(4, 5)).test).toBe('chisquare');
  });

  it('accepts config spellings and role defaults', () => {
    expect(parseDriftTestName('chi_square')).toBe('chisquare');
    expect(parseDriftTestName('jensen_shannon')).toBe('jensenshannon');
    const r = columnDrift('c', ['a', 'b', 'c', 'a'], ['a', 'b', 'b', 'c'], {
      defaults: { categoricalSmall: { test: 'jensen_shannon', threshold: 0.3 } },
    });
    expect([r.test, r.threshold]).toEqual(['jensenshannon', 0.3]);
  });
});

describe('errors name the bad argument', () => {
  it('rejects unknown tests, wrong types, empty columns and bad thresholds', () => {
    expect(() => parseDriftTestName('anova', 'columnTests["x"].test')).toThrow(
      'columnTests["x"].test: unknown drift test "anova"',
    );
    expect(() => columnDrift('c', ['a'], ['b'], { columnTests: { c: { test: 'ks' } } })).toThrow(
      'column "c": test "ks" needs a numeric column (Float64Array)',
    );
    expect(() => columnDrift('c', Float64Array.of(Number.NaN), Float64Array.of(1))).toThrow(
      'column "c" has no non-missing value in the reference data',
    );
    expect(() => columnDrift('c', Float64Array.of(1), ['a'])).toThrow(
      'column "c" is numeric in reference but categorical in current; pass the same type',
    );
    expect(() => columnDrift('c', Float64Array.of(1), Float64Array.of(1), { columnTests: { c: { threshold: -1 } } })).toThrow(
      'columnTests["c"].threshold must be a finite number >= 0, got -1',
    );
    expect(() => driftReport({ a: Float64Array.of(1) }, { b: Float64Array.of(1) })).toThrow(
      'driftReport: no column to compare; reference and current share no column',
    );
    expect(() => driftReport({ a: Float64Array.of(1) }, { a: Float64Array.of(1) }, { columns: ['z'] })).toThrow(
      'driftReport: column "z" is missing from the reference data',
    );
    expect(() => columnDrift('c', [1 as unknown as string], ['a'])).toThrow(
      'reference["c"] holds a number; categorical columns hold strings (null = missing)',
    );
  });
});
