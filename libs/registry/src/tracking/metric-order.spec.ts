import { isLater, latestPerKey } from './metric-order.js';

const m = (key: string, step: number, timestamp: number, value: number) => ({ key, step, timestamp, value });

describe('isLater', () => {
  it('orders by step, then timestamp, then value', () => {
    expect(isLater(m('a', 2, 0, 0), m('a', 1, 9, 9))).toBe(true);
    expect(isLater(m('a', 1, 5, 0), m('a', 1, 4, 9))).toBe(true);
    expect(isLater(m('a', 1, 5, 2), m('a', 1, 5, 1))).toBe(true);
    expect(isLater(m('a', 1, 5, 1), m('a', 1, 5, 1))).toBe(false);
    expect(isLater(m('a', 0, 5, 1), m('a', 1, 0, 0))).toBe(false);
  });

  it('counts NaN as larger than every number (PostgreSQL float8 order), ±Infinity as numbers', () => {
    expect(isLater(m('a', 1, 1, Number.NaN), m('a', 1, 1, Number.POSITIVE_INFINITY))).toBe(true);
    expect(isLater(m('a', 1, 1, Number.POSITIVE_INFINITY), m('a', 1, 1, Number.NaN))).toBe(false);
    expect(isLater(m('a', 1, 1, Number.NaN), m('a', 1, 1, Number.NaN))).toBe(false);
    expect(isLater(m('a', 1, 1, -1), m('a', 1, 1, Number.NEGATIVE_INFINITY))).toBe(true);
  });
});

describe('latestPerKey', () => {
  it('keeps the latest metric of each key, sorted by key', () => {
    const metrics = [m('b', 1, 1, 1), m('a', 3, 0, 0), m('b', 2, 0, 5), m('a', 3, 0, Number.NaN), m('b', 2, 0, 4), m('a', 1, 9, 9)];
    expect(latestPerKey(metrics)).toEqual([m('a', 3, 0, Number.NaN), m('b', 2, 0, 5)]);
  });

  it('returns nothing for no metrics', () => {
    expect(latestPerKey([])).toEqual([]);
  });
});
