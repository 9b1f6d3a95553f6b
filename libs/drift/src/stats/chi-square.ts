import { chiSquareSf } from '../special/gamma.js';

/** A test statistic with its p-value. */
export interface TestResult {
  statistic: number;
  pValue: number;
}

/**
 * Pearson chi-square goodness-of-fit test, `scipy.stats.chisquare(observed, expected)`:
 * stat = sum (o - e)^2 / e, p = chi2.sf(stat, k - 1). A zero expected count with a non-zero
 * observation gives stat = Infinity and p = 0.
 * @throws RangeError when the lengths differ or fewer than 2 categories are given.
 */
export function chiSquareTest(observed: ArrayLike<number>, expected: ArrayLike<number>): TestResult {
  if (observed.length !== expected.length) {
    throw new RangeError(`chiSquareTest: observed has ${observed.length} categories, expected ${expected.length}`);
  }
  if (observed.length < 2) throw new RangeError('chiSquareTest: need at least 2 categories');
  let stat = 0;
  for (let i = 0; i < observed.length; i++) {
    const d = observed[i] - expected[i];
    stat += (d * d) / expected[i];
  }
  return { statistic: stat, pValue: chiSquareSf(stat, observed.length - 1) };
}

/**
 * Evidently's chi-square drift test from per-category counts (same category order in both):
 * observed = current counts, expected = reference counts * (n_current / n_reference).
 */
export function chiSquareDriftTest(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): TestResult {
  let nr = 0;
  let nc = 0;
  for (let i = 0; i < referenceCounts.length; i++) nr += referenceCounts[i];
  for (let i = 0; i < currentCounts.length; i++) nc += currentCounts[i];
  const kNorm = nc / nr;
  const expected = new Float64Array(referenceCounts.length);
  for (let i = 0; i < expected.length; i++) expected[i] = referenceCounts[i] * kNorm;
  return chiSquareTest(currentCounts, expected);
}
