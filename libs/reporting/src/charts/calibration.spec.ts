import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrationCurve, linspace } from './calibration.js';
import { colorRange, nanPercentile } from './shap-beeswarm.js';
import { ChartError } from './theme.js';

// Recorded by compat/reporting/record_calibration.py (sklearn calibration_curve, numpy linspace / nanpercentile).
const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, '__fixtures__/calibration.json'), 'utf8')) as {
  linspace: Record<string, number[]>;
  calibration: {
    name: string;
    nBins: number;
    yTrue: number[];
    yProb: number[];
    probTrue: number[];
    probPred: number[];
  }[];
  nanpercentile: { values: (number | null)[]; q: number[]; result: number[] }[];
};

describe('linspace', () => {
  it.each(Object.entries(fixture.linspace))(
    'equals numpy linspace(0, 1, %s + 1) bit for bit',
    (n, expected) => {
      expect(Array.from(linspace(0, 1, Number(n) + 1))).toEqual(expected);
    },
  );
});

describe('calibrationCurve (sklearn calibration_curve, strategy="uniform")', () => {
  it.each(fixture.calibration.map((c) => [c.name, c] as const))('%s matches sklearn within 1e-12', (_, c) => {
    const curve = calibrationCurve(c.yTrue, c.yProb, c.nBins);
    expect(curve.probTrue.length).toBe(c.probTrue.length);
    expect(curve.probPred.length).toBe(c.probPred.length);
    c.probTrue.forEach((v, i) => expect(curve.probTrue[i]).toBeCloseTo(v, 12));
    c.probPred.forEach((v, i) => expect(curve.probPred[i]).toBeCloseTo(v, 12));
  });

  it('counts every row once: binCounts sum to n, counts are the non-empty bins', () => {
    const c = fixture.calibration.find((x) => x.name === 'empty_bins_10bins')!;
    const curve = calibrationCurve(c.yTrue, c.yProb, c.nBins);
    expect(curve.binCounts.reduce((a, b) => a + b, 0)).toBe(c.yTrue.length);
    expect(Array.from(curve.counts)).toEqual(Array.from(curve.binCounts).filter((v) => v > 0));
    expect(curve.probTrue.length).toBeLessThan(c.nBins);
  });

  it('puts p on an inner edge into the lower bin (searchsorted side=left)', () => {
    const curve = calibrationCurve([1, 0], [0.1, 0.2], 10);
    expect(Array.from(curve.binCounts.slice(0, 3))).toEqual([1, 1, 0]);
  });

  it('rejects bad input with a message naming the argument', () => {
    expect(() => calibrationCurve([0, 1], [0.2], 10)).toThrow('yProb has 1 values for 2 labels');
    expect(() => calibrationCurve([0, 1], [0.2, 1.5], 10)).toThrow(
      'yProb[1] = 1.5: probabilities must be in [0, 1]',
    );
    expect(() => calibrationCurve([0, 2], [0.2, 0.5], 10)).toThrow('yTrue[1] = 2: labels must be 0 or 1');
    expect(() => calibrationCurve([0, 1], [0.2, NaN], 10)).toThrow(ChartError);
    expect(() => calibrationCurve([], [], 10)).toThrow('yTrue is empty');
    expect(() => calibrationCurve([0], [0.5], 0)).toThrow('nBins must be an integer >= 1, got 0');
  });
});

describe('nanPercentile (numpy nanpercentile, linear)', () => {
  it.each(fixture.nanpercentile.map((c, i) => [i, c] as const))(
    'case %i matches numpy within 1e-12',
    (_, c) => {
      const values = c.values.map((v) => (v === null ? NaN : v));
      c.q.forEach((q, i) => expect(nanPercentile(values, q)).toBeCloseTo(c.result[i]!, 12));
    },
  );

  it('is NaN when every value is NaN', () => {
    expect(nanPercentile([NaN, NaN], 50)).toBeNaN();
  });
});

describe('colorRange (shap beeswarm colour limits)', () => {
  it('uses the 5th..95th percentile of a spread feature', () => {
    const v = Array.from({ length: 101 }, (_, i) => i);
    expect(colorRange(v)).toEqual([5, 95]);
  });

  it('falls back to 1st..99th, then min..max, for skewed binary features', () => {
    // 10% ones: p5 = 0, p95 = 1 -> kept
    expect(colorRange([...Array(90).fill(0), ...Array(10).fill(1)])).toEqual([0, 1]);
    // 3% ones: p5 = p95 = 0, p1 = 0, p99 = 1
    expect(colorRange([...Array(97).fill(0), ...Array(3).fill(1)])).toEqual([0, 1]);
    // 0.5% ones: p1 = p99 = 0 -> min..max
    expect(colorRange([...Array(199).fill(0), 1])).toEqual([0, 1]);
  });
});
