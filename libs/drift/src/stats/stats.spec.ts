import { readFixture, num, scaledError, relativeError, type JsonNum } from '../__fixtures__/read-fixture.js';
import { columnDrift } from '../report/drift-report.js';
import { ks2samp, ksStatisticSorted } from './ks-2samp.js';
import { chiSquareTest } from './chi-square.js';
import { proportionsZTest } from './z-test.js';
import { wassersteinDistance, wassersteinNorm } from './wasserstein.js';
import { histogramSorted, sturgesEdges, fillZeroShares } from './binning.js';
import { jensenShannonDistance, klDivergence, psi } from './divergence.js';

interface KsFixture {
  cases: { name: string; a: number[]; b: number[]; statistic: number; pValue: number }[];
}
interface StatFixture {
  cases: {
    name: string;
    kind: 'numeric' | 'categorical';
    reference: (number | string)[];
    current: (number | string)[];
    results: Record<string, { score: JsonNum; drifted: boolean; threshold: number }>;
  }[];
}

const ks = readFixture<KsFixture>('ks.json');
const st = readFixture<StatFixture>('stattests.json');

describe('ks2samp against scipy.stats.ks_2samp', () => {
  it.each(ks.cases.map((c) => [c.name, c] as const))('%s: D and p-value to 1e-9', (_name, c) => {
    const res = ks2samp(Float64Array.from(c.a), Float64Array.from(c.b));
    expect(scaledError(res.statistic, c.statistic)).toBeLessThanOrEqual(1e-12);
    expect(scaledError(res.pValue, c.pValue)).toBeLessThanOrEqual(1e-9);
    if (c.pValue > 1e-290) expect(relativeError(res.pValue, c.pValue)).toBeLessThanOrEqual(1e-6);
    expect(res.method).toBe(Math.max(c.a.length, c.b.length) <= 10000 ? 'exact' : 'asymp');
  });

  it('drops NaN and infinities, rejects empty samples with the argument name', () => {
    const a = ks2samp([1, 2, Number.NaN, 3], [2.5, 4, Number.POSITIVE_INFINITY]);
    const b = ks2samp([1, 2, 3], [2.5, 4]);
    expect(a).toEqual(b);
    expect(() => ks2samp([Number.NaN], [1])).toThrow('ks2samp: sample `a` is empty; pass at least one finite value');
    expect(() => ks2samp([1], [])).toThrow('ks2samp: sample `b` is empty');
  });

  it('computes D with ties like searchsorted(side="right")', () => {
    expect(ksStatisticSorted(Float64Array.of(1, 1, 2), Float64Array.of(1, 2, 2))).toBeCloseTo(1 / 3, 15);
  });
});

describe("Evidently's stattests (recorded drift scores)", () => {
  for (const c of st.cases) {
    for (const [test, want] of Object.entries(c.results)) {
      it(`${c.name}: ${test} score and decision`, () => {
        const ref = c.kind === 'numeric' ? Float64Array.from(c.reference as number[]) : (c.reference as string[]);
        const cur = c.kind === 'numeric' ? Float64Array.from(c.current as number[]) : (c.current as string[]);
        const res = columnDrift('x', ref, cur, { columnTests: { x: { test } } });
        const score = res.pValue ?? res.statistic;
        const expected = num(want.score);
        expect(res.test).toBe(test);
        expect(res.threshold).toBe(want.threshold);
        expect(scaledError(score, expected)).toBeLessThanOrEqual(1e-9);
        if (expected > 1e-290) expect(relativeError(score, expected)).toBeLessThanOrEqual(1e-6);
        expect(res.drifted).toBe(want.drifted);
      });
    }
  }
});

describe('building blocks', () => {
  it('chi-square: stat and p-value of a textbook table, Infinity for an unseen category', () => {
    const r = chiSquareTest([16, 18, 16, 14, 12, 12], [16, 16, 16, 16, 16, 8]);
    expect(r.statistic).toBeCloseTo(3.5, 12);
    expect(r.pValue).toBeCloseTo(0.6233876277495822, 12); // scipy.stats.chisquare docs example
    expect(chiSquareTest([1, 2], [3, 0]).pValue).toBe(0);
    expect(() => chiSquareTest([1], [1])).toThrow('chiSquareTest: need at least 2 categories');
  });

  it('z-test: both samples one identical value gives p = 1', () => {
    expect(proportionsZTest(0, 10, 0, 20)).toEqual({ statistic: 0, pValue: 1 });
    expect(() => proportionsZTest(0, 0, 0, 1)).toThrow('proportionsZTest: n1 must be > 0, got 0');
  });

  it('Wasserstein: shifts by a constant move the distance by that constant', () => {
    const a = [0, 1, 3, 7];
    expect(wassersteinDistance(a, a.map((v) => v + 2.5))).toBeCloseTo(2.5, 14);
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 14); // scipy docs example
    expect(wassersteinNorm([1, 1, 1], [1, 1, 2])).toBeCloseTo(1 / 3 / 0.001, 9); // std floor 0.001
  });

  it('Sturges edges and histogram follow numpy (constant sample: one bin of width 1)', () => {
    const e = sturgesEdges(Float64Array.of(2, 2), Float64Array.of(2));
    expect(Array.from(e)).toEqual([1.5, 2.5]);
    const edges = sturgesEdges(Float64Array.of(0, 1, 2, 3), Float64Array.of(4, 5, 6, 7));
    expect(edges.length).toBe(5); // ceil(log2(8) + 1) = 4 bins
    expect(Array.from(histogramSorted(Float64Array.of(0, 1, 2, 3, 7), edges))).toEqual([2, 2, 0, 1]);
  });

  it('fills empty shares like Evidently', () => {
    const s = Float64Array.of(0.5, 0, 0.5);
    fillZeroShares(s);
    expect(Array.from(s)).toEqual([0.5, 0.0001, 0.5]);
    const t = Float64Array.of(0.99995, 0, 0.00005);
    fillZeroShares(t);
    expect(t[1]).toBe(0.00005 / 1e6);
  });

  it('divergences are 0 for identical shares', () => {
    const shares = { reference: Float64Array.of(0.2, 0.8), current: Float64Array.of(0.2, 0.8) };
    expect(psi(shares)).toBe(0);
    expect(klDivergence(shares)).toBe(0);
    expect(jensenShannonDistance(shares)).toBe(0);
  });
});
