import { assertSample, populationStd, sortedFinite } from './sample.js';

/**
 * First Wasserstein distance between the empirical distributions of two SORTED samples,
 * `scipy.stats.wasserstein_distance(u, v)`: integral of |U(x) - V(x)| dx over the merged support
 * (merge walk, O(n1 + n2)). NaN when either sample is empty.
 */
export function wassersteinSorted(u: Float64Array, v: Float64Array): number {
  const nu = u.length;
  const nv = v.length;
  if (nu === 0 || nv === 0) return Number.NaN;
  let i = 0;
  let j = 0;
  let sum = 0;
  let comp = 0;
  let x = u[0] <= v[0] ? u[0] : v[0];
  while (i < nu || j < nv) {
    while (i < nu && u[i] <= x) i++;
    while (j < nv && v[j] <= x) j++;
    if (i >= nu && j >= nv) break;
    const next = j >= nv || (i < nu && u[i] <= v[j]) ? u[i] : v[j];
    const term = Math.abs(i / nu - j / nv) * (next - x);
    const t = sum + term;
    comp += sum >= term ? sum - t + term : term - t + sum;
    sum = t;
    x = next;
  }
  return sum + comp;
}

/**
 * Evidently's normed Wasserstein distance: `wasserstein_distance(reference, current) /
 * max(std(reference), 0.001)` with the population std (ddof = 0). Inputs SORTED, finite.
 */
export function wassersteinNormSorted(reference: Float64Array, current: Float64Array): number {
  const norm = Math.max(populationStd(reference), 0.001);
  return wassersteinSorted(reference, current) / norm;
}

/** {@link wassersteinSorted} on unsorted samples (NaN and +-Infinity dropped). */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  assertSample(u, 'u');
  assertSample(v, 'v');
  return wassersteinSorted(sortedFinite(u), sortedFinite(v));
}

/** {@link wassersteinNormSorted} on unsorted samples (NaN and +-Infinity dropped). */
export function wassersteinNorm(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  assertSample(reference, 'reference');
  assertSample(current, 'current');
  return wassersteinNormSorted(sortedFinite(reference), sortedFinite(current));
}
