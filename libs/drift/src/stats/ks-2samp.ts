import { kstwoSf } from '../special/kolmogorov.js';
import { assertSample, sortedFinite } from './sample.js';

/** Result of the two-sample Kolmogorov-Smirnov test. */
export interface Ks2SampResult {
  /** D = max |F1(x) - F2(x)| (in exact mode rounded to h / lcm(n1, n2) as scipy does). */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  /** The method that produced the p-value: `exact` (n <= 10000) or `asymp` (kstwo distribution). */
  method: 'exact' | 'asymp';
}

/** scipy's 'auto' mode tries the exact distribution when max(n1, n2) <= this. */
export const KS_MAX_EXACT_N = 10000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** numpy's round-half-to-even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Pr(D_{n,n} >= h/n) for equal sample sizes (scipy `_compute_prob_outside_square`). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * Share of lattice paths from (0,0) to (m,n) that leave |x/m - y/n| < h/lcm (Hodges' inside
 * method with Viehmann's recursion for 1 - p; scipy `_compute_outer_prob_inside_method`).
 */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  let m = m0;
  let n = n0;
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const end = Math.min(maxj - minj + (lastlen - curlen), lenA);
      for (let j = maxj - minj; j < end; j++) A[j] = 1;
    }
  }
  return A[maxj - minj - 1];
}

/**
 * D statistic of two SORTED samples by a merge walk: max over all observed values v of
 * |#{a <= v}/n1 - #{b <= v}/n2| (ties handled like scipy's searchsorted 'right').
 */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxS = 0;
  let minS = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    while (i < n1 && a[i] <= v) i++;
    while (j < n2 && b[j] <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (-diff > minS) minS = -diff;
  }
  return minS > maxS ? minS : maxS;
}

/**
 * Two-sided two-sample Kolmogorov-Smirnov test on SORTED, NaN-free samples, as
 * `scipy.stats.ks_2samp(a, b, method='auto')`: the exact distribution when
 * max(n1, n2) <= 10000 (falling back to asymptotic if the exact computation is out of range),
 * else `kstwo.sf(D, round(n1 n2 / (n1 + n2)))`.
 * @throws RangeError when a sample is empty.
 */
export function ks2sampSorted(a: Float64Array, b: Float64Array): Ks2SampResult {
  if (a.length === 0) throw new RangeError('ks2samp: sample `a` is empty; pass at least one finite value');
  if (b.length === 0) throw new RangeError('ks2samp: sample `b` is empty; pass at least one finite value');
  const n1 = a.length;
  const n2 = b.length;
  let d = ksStatisticSorted(a, b);
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, method: 'exact' };
    const prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
    if (prob >= 0 && prob <= 1) return { statistic: d, pValue: prob, method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const p = kstwoSf(roundHalfEven(en), d);
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: 'asymp' };
}

/**
 * Two-sided two-sample KS test on unsorted samples (NaN and +-Infinity dropped, as Evidently
 * does before calling scipy). See {@link ks2sampSorted}.
 */
export function ks2samp(a: ArrayLike<number>, b: ArrayLike<number>): Ks2SampResult {
  assertSample(a, 'a');
  assertSample(b, 'b');
  return ks2sampSorted(sortedFinite(a), sortedFinite(b));
}
