/** Mean with Neumaier-compensated summation. NaN for an empty array. */
export function compensatedMean(x: Float64Array): number {
  if (x.length === 0) return Number.NaN;
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return (s + c) / x.length;
}

/** Sample standard deviation, ddof = 1 (pandas `Series.std()`). NaN for fewer than 2 values. */
export function sampleStd(x: Float64Array): number {
  const n = x.length;
  if (n < 2) return Number.NaN;
  const mean = compensatedMean(x);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    s += d * d;
  }
  return Math.sqrt(s / (n - 1));
}

/**
 * Quantile q in [0, 1] of a SORTED array with numpy's 'linear' method (pandas
 * `Series.quantile` default): virtual index (n - 1) q, lerp between neighbours.
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const idx = n * q + (1 + q * -1) - 1;
  const lo = Math.max(0, Math.min(n - 1, Math.floor(idx)));
  const hi = Math.min(n - 1, lo + 1);
  const t = idx - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Median (pandas): linear quantile 0.5. Sorts a copy. */
export function median(x: Float64Array): number {
  return quantileSorted(Float64Array.from(x).sort(), 0.5);
}

/** Equal-width histogram as `numpy.histogram(x, bins)` (range = [min, max]; last bin closed). */
export function histogram(sorted: Float64Array, bins = 10): { edges: number[]; counts: number[] } {
  if (sorted.length === 0) return { edges: [], counts: [] };
  let first = sorted[0];
  let last = sorted[sorted.length - 1];
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const step = (last - first) / bins;
  const edges: number[] = [];
  for (let i = 0; i < bins; i++) edges.push(i * step + first);
  edges.push(last);
  const counts = new Array<number>(bins).fill(0);
  const norm = bins / (last - first);
  for (const x of sorted) {
    let k = Math.floor((x - first) * norm);
    if (k >= bins) k = bins - 1;
    if (k > 0 && x < edges[k]) k--;
    else if (k < bins - 1 && x >= edges[k + 1]) k++;
    counts[k]++;
  }
  return { edges, counts };
}
