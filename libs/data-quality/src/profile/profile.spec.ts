import { readFixture, readTelcoCsv } from '../__fixtures__/read-fixture.js';
import { toHtmlReport, escapeHtml } from '../report/html-report.js';
import { toJsonReport } from '../report/json-report.js';
import { validateTable } from '../validate.js';
import { histogram, quantileSorted, sampleStd } from './numeric.js';
import { profileTable } from './profile.js';

interface PandasProfile {
  rows: number;
  columns: Record<
    string,
    {
      missing: number;
      distinct: number;
      top: [string | number, number][];
      min?: number;
      max?: number;
      mean?: number;
      std?: number;
      quantiles?: number[];
      histogram?: { edges: number[]; counts: number[] };
    }
  >;
}
const pd = readFixture<PandasProfile>('pandas-profile.json');
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe('profileTable against pandas on the Telco data', () => {
  const profile = profileTable(readTelcoCsv());
  it('count, missing, distinct, top values for every column', () => {
    expect(profile.rows).toBe(pd.rows);
    for (const c of profile.columns) {
      const want = pd.columns[c.name];
      expect([c.name, c.missing, c.distinct]).toEqual([c.name, want.missing, want.distinct]);
      expect([c.name, c.top.slice(0, 3).map((t) => t.count)]).toEqual([c.name, want.top.map((t) => t[1])]);
    }
  });

  it('min, max, mean, std (ddof=1), quantiles (linear) and histogram of numeric columns to 1e-12', () => {
    const numeric = profile.columns.filter((c) => pd.columns[c.name].mean !== undefined);
    expect(numeric.map((c) => c.name).sort()).toEqual(['monthly_charges', 'senior_citizen', 'tenure', 'total_charges']);
    for (const c of numeric) {
      const want = pd.columns[c.name];
      expect([c.name, c.min, c.max]).toEqual([c.name, want.min, want.max]);
      expect([c.name, rel(c.mean as number, want.mean as number) <= 1e-12, rel(c.std as number, want.std as number) <= 1e-12]).toEqual([c.name, true, true]);
      const q = c.quantiles!;
      [q.p05, q.p25, q.p50, q.p75, q.p95].forEach((v, i) => expect([c.name, i, rel(v, want.quantiles![i]) <= 1e-12]).toEqual([c.name, i, true]));
      expect([c.name, c.histogram!.counts]).toEqual([c.name, want.histogram!.counts]);
      c.histogram!.edges.forEach((e, i) => expect(rel(e, want.histogram!.edges[i])).toBeLessThanOrEqual(1e-12));
    }
  });
});

describe('numeric helpers', () => {
  it('quantiles interpolate linearly, std needs two values, histogram closes the last bin', () => {
    const x = Float64Array.of(1, 2, 3, 4);
    expect(quantileSorted(x, 0.5)).toBe(2.5);
    expect(quantileSorted(x, 0.05)).toBeCloseTo(1.15, 14);
    expect(sampleStd(Float64Array.of(5))).toBeNaN();
    expect(histogram(Float64Array.of(0, 1, 2), 2)).toEqual({ edges: [0, 1, 2], counts: [1, 2] });
    expect(histogram(Float64Array.of(3, 3), 2)).toEqual({ edges: [2.5, 3, 3.5], counts: [0, 2] });
  });
});

describe('reports', () => {
  const table = { name: ['<script>alert(1)</script>', 'O\'Brien & "Sons"', null], v: Float64Array.of(1, 2, Number.NaN) };
  const validation = validateTable(
    table,
    { name: 'xss', expectations: [{ type: 'expect_column_values_to_be_in_set', kwargs: { column: 'name', value_set: ['a'] } }] },
    { now: 0 },
  );
  const report = { title: 'Quality <b>report</b>', validation, profile: profileTable(table) };

  it('HTML is self-contained and escapes every value', () => {
    const html = toHtmlReport(report);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|href=|@import|url\(/i);
    expect(html).not.toContain('<b>report</b>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('O&#39;Brien &#38; &#34;Sons&#34;');
    expect(html).toContain('FAILED');
    expect(escapeHtml('<>&"\'`')).toBe('&#60;&#62;&#38;&#34;&#39;&#96;');
  });

  it('JSON report round-trips and writes NaN as null', () => {
    const parsed = JSON.parse(toJsonReport(report)) as { validation: { statistics: unknown }; profile: { columns: { std: unknown }[] } };
    expect(parsed.validation.statistics).toEqual({ evaluated: 1, successful: 0, unsuccessful: 1, success_percent: 0 });
    expect(parsed.profile.columns[1].std).toBeCloseTo(Math.SQRT1_2, 14);
  });
});
