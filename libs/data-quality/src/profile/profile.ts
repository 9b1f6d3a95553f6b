import { inferDtype } from '../expectations/column-aggregate.js';
import { isMissing, rowCount, toJsonCell, type DqTable, type JsonCell } from '../table.js';
import { compensatedMean, histogram, quantileSorted, sampleStd } from './numeric.js';

/** Profile of one column. Numeric statistics are set when the column holds numbers. */
export interface ColumnProfile {
  name: string;
  /** pandas-like dtype: int64, float64, bool or object. */
  type: string;
  /** Rows, missing included. */
  count: number;
  missing: number;
  /** Distinct non-missing values. */
  distinct: number;
  min?: number;
  max?: number;
  mean?: number;
  /** Sample standard deviation (ddof = 1, pandas). */
  std?: number;
  /** Linear-interpolation quantiles (pandas `quantile`) at 5, 25, 50, 75, 95 %. */
  quantiles?: { p05: number; p25: number; p50: number; p75: number; p95: number };
  /** Most frequent values (ties: first seen first), at most `topK`. */
  top: { value: JsonCell; count: number }[];
  /** numpy.histogram with 10 equal-width bins over [min, max]. */
  histogram?: { edges: number[]; counts: number[] };
}

export interface TableProfile {
  rows: number;
  columns: ColumnProfile[];
}


/**
 * Profiles every column of a table: type, count, missing (null / undefined / NaN), distinct,
 * and for numeric columns min, max, mean, std (ddof = 1), quantiles and a 10-bin histogram, plus
 * the `topK` (10) most frequent values. Non-finite statistics (std of one value) are NaN.
 */
export function profileTable(table: DqTable, options: { topK?: number; bins?: number } = {}): TableProfile {
  const topK = options.topK ?? 10;
  const bins = options.bins ?? 10;
  const rows = rowCount(table);
  const columns = Object.entries(table).map(([name, col]): ColumnProfile => {
    const counts = new Map<unknown, number>();
    const nums: number[] = [];
    let missing = 0;
    for (let i = 0; i < col.length; i++) {
      const v = col[i];
      if (isMissing(v)) {
        missing++;
        continue;
      }
      counts.set(v, (counts.get(v) ?? 0) + 1);
      if (typeof v === 'number') nums.push(v);
    }
    const top = [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topK)
      .map(([value, count]) => ({ value: toJsonCell(value as JsonCell), count }));
    const p: ColumnProfile = { name, type: inferDtype(col), count: rows, missing, distinct: counts.size, top };
    if (nums.length > 0 && nums.length === rows - missing) {
      const x = Float64Array.from(nums);
      const sorted = Float64Array.from(x).sort();
      p.min = sorted[0];
      p.max = sorted[sorted.length - 1];
      p.mean = compensatedMean(x);
      p.std = sampleStd(x);
      p.quantiles = {
        p05: quantileSorted(sorted, 0.05),
        p25: quantileSorted(sorted, 0.25),
        p50: quantileSorted(sorted, 0.5),
        p75: quantileSorted(sorted, 0.75),
        p95: quantileSorted(sorted, 0.95),
      };
      p.histogram = histogram(sorted, bins);
    }
    return p;
  });
  return { rows, columns };
}
