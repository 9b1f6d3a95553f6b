import { beeswarmOffsets, redBlue } from './shap-beeswarm.js';

describe('beeswarmOffsets (shap beeswarm layout)', () => {
  const values = Array.from({ length: 400 }, (_, i) => Math.sin(i * 12.9898) * 3 + (i % 7) * 0.01);

  it('stays inside 0.9 * rowHeight and is deterministic for a seed', () => {
    const a = beeswarmOffsets(values, 0.4, 3);
    const b = beeswarmOffsets(values, 0.4, 3);
    expect(Array.from(a)).toEqual(Array.from(b));
    for (const y of a) expect(Math.abs(y)).toBeLessThan(0.9 * 0.4);
  });

  it('stacks equal values alternately above and below the row: 0, +1, -1, +2, -2 units', () => {
    // five equal values and one far away: the five share one bin, the tallest stack is 2 units
    const ys = Array.from(beeswarmOffsets([1, 1, 1, 1, 1, 5], 0.4, 0));
    const unit = (0.9 * 0.4) / 3; // scaled by 0.9 * rowHeight / (max + 1), max = 2
    const stack = ys
      .slice(0, 5)
      .map((y) => Math.round(y / unit))
      .sort((p, q) => p - q);
    expect(stack).toEqual([-2, -1, 0, 1, 2]);
    expect(ys[5]).toBe(0);
  });

  it('spreads dense regions wider than sparse ones', () => {
    const dense = [...Array(50).fill(0), 10];
    const ys = beeswarmOffsets(dense, 0.4, 1);
    const spread = Math.max(...Array.from(ys.slice(0, 50), Math.abs));
    expect(spread).toBeGreaterThan(0.3);
    expect(ys[50]).toBe(0);
  });

  it('returns an empty array for no values', () => {
    expect(beeswarmOffsets([]).length).toBe(0);
  });
});

describe('redBlue', () => {
  it('runs from shap blue (#008bfb) to shap red (#ff0052), clamped', () => {
    expect(redBlue(0)).toBe('rgba(0, 139, 251, 1)');
    expect(redBlue(1)).toBe('rgba(255, 0, 82, 1)');
    expect(redBlue(-3)).toBe(redBlue(0));
    expect(redBlue(7, 0.5)).toBe('rgba(255, 0, 82, 0.5)');
  });
});
