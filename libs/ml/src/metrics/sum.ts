/**
 * numpy's pairwise summation (`np.add.reduce` on a contiguous float64 array), reproduced step by
 * step so that means and integrals equal scikit-learn's to the last bit: below 8 values a plain
 * loop; up to 128 values eight interleaved accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7));
 * above that, the two halves (split at a multiple of 8) summed recursively.
 * Reference: numpy/_core/src/umath/loops_utils.h.src, `pairwise_sum`.
 */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    let r0 = a[start]!;
    let r1 = a[start + 1]!;
    let r2 = a[start + 2]!;
    let r3 = a[start + 3]!;
    let r4 = a[start + 4]!;
    let r5 = a[start + 5]!;
    let r6 = a[start + 6]!;
    let r7 = a[start + 7]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      r0 += a[start + i]!;
      r1 += a[start + i + 1]!;
      r2 += a[start + i + 2]!;
      r3 += a[start + i + 3]!;
      r4 += a[start + i + 4]!;
      r5 += a[start + i + 5]!;
      r6 += a[start + i + 6]!;
      r7 += a[start + i + 7]!;
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** numpy's `mean` of a float64 vector: pairwise sum / n (NaN for an empty vector, like numpy). */
export function npMean(a: ArrayLike<number>): number {
  return pairwiseSum(a) / a.length;
}
