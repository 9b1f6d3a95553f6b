import { countUniqueSorted } from './sample.js';

/** Reference and current shares per bin (or per value), as Evidently's `get_binned_data`. */
export interface BinnedShares {
  reference: Float64Array;
  current: Float64Array;
}

/** Evidently switches from per-value shares to a Sturges histogram above this many reference values. */
export const PER_VALUE_MAX_UNIQUE = 20;

/**
 * Bin edges of `numpy.histogram_bin_edges(concat(a, b), bins='sturges')` for two SORTED finite
 * samples: ceil(ptp / (ptp / (log2(n) + 1))) equal-width bins between the minimum and maximum
 * (one bin of width 1 around a constant sample). Float input is assumed (numpy widens integer
 * bins to width >= 1; pass floats for parity).
 */
export function sturgesEdges(a: Float64Array, b: Float64Array): Float64Array {
  const size = a.length + b.length;
  let first = Math.min(a.length ? a[0] : Infinity, b.length ? b[0] : Infinity);
  let last = Math.max(a.length ? a[a.length - 1] : -Infinity, b.length ? b[b.length - 1] : -Infinity);
  const ptp = last - first;
  const width = ptp / (Math.log2(size) + 1);
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const nBins = width ? Math.ceil((last - first) / width) : 1;
  const edges = new Float64Array(nBins + 1);
  const step = (last - first) / nBins;
  for (let i = 0; i < nBins; i++) edges[i] = i * step + first;
  edges[nBins] = last;
  return edges;
}

/**
 * Counts of a SORTED sample per bin, as `numpy.histogram(x, edges)`: bin i holds
 * edges[i] <= x < edges[i+1], the last bin also holds x == edges[last]; values outside are
 * not counted.
 */
export function histogramSorted(x: Float64Array, edges: Float64Array): Float64Array {
  const nBins = edges.length - 1;
  const counts = new Float64Array(nBins);
  let k = 0;
  while (k < x.length && x[k] < edges[0]) k++;
  for (let bin = 0; bin < nBins; bin++) {
    const hi = edges[bin + 1];
    const start = k;
    if (bin === nBins - 1) while (k < x.length && x[k] <= hi) k++;
    else while (k < x.length && x[k] < hi) k++;
    counts[bin] = k - start;
  }
  return counts;
}

/** Per-value counts of two SORTED samples over the union of their values (merge walk). */
function perValueCountsSorted(a: Float64Array, b: Float64Array): [number[], number[]] {
  const ca: number[] = [];
  const cb: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    const i0 = i;
    const j0 = j;
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    ca.push(i - i0);
    cb.push(j - j0);
  }
  return [ca, cb];
}

/** Per-value counts of two categorical samples over the union of their values. */
export function categoryCounts(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
): [number[], number[]] {
  const keys = new Set<string>([...reference.keys(), ...current.keys()]);
  const r: number[] = [];
  const c: number[] = [];
  for (const k of keys) {
    r.push(reference.get(k) ?? 0);
    c.push(current.get(k) ?? 0);
  }
  return [r, c];
}

/**
 * Evidently's replacement of empty bins ("feel_zeroes"): zeros become 0.0001, or
 * min(non-zero share) / 1e6 when that minimum is <= 0.0001. In place.
 */
export function fillZeroShares(shares: Float64Array): void {
  let min = Infinity;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  if (min === Infinity) return;
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill;
}

function toShares(counts: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] / n;
  return out;
}

/**
 * Evidently's `get_binned_data` for numeric SORTED finite samples: with more than 20 distinct
 * reference values, shares of a Sturges histogram over reference + current; otherwise shares per
 * distinct value of either sample. `fillZeros` applies {@link fillZeroShares} to both.
 */
export function binNumericSorted(reference: Float64Array, current: Float64Array, fillZeros: boolean): BinnedShares {
  let r: Float64Array;
  let c: Float64Array;
  if (countUniqueSorted(reference) > PER_VALUE_MAX_UNIQUE) {
    const edges = sturgesEdges(reference, current);
    r = toShares(histogramSorted(reference, edges), reference.length);
    c = toShares(histogramSorted(current, edges), current.length);
  } else {
    const [rc, cc] = perValueCountsSorted(reference, current);
    r = toShares(rc, reference.length);
    c = toShares(cc, current.length);
  }
  if (fillZeros) {
    fillZeroShares(r);
    fillZeroShares(c);
  }
  return { reference: r, current: c };
}

/** Evidently's `get_binned_data` for categorical samples given as value -> count maps. */
export function binCategorical(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
  fillZeros: boolean,
): BinnedShares {
  let nr = 0;
  let nc = 0;
  for (const v of reference.values()) nr += v;
  for (const v of current.values()) nc += v;
  const [rc, cc] = categoryCounts(reference, current);
  const r = toShares(rc, nr);
  const c = toShares(cc, nc);
  if (fillZeros) {
    fillZeroShares(r);
    fillZeroShares(c);
  }
  return { reference: r, current: c };
}
