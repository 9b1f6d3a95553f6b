/** Throws a TypeError naming `name` when `x` is not array-like. */
export function assertSample(x: unknown, name: string): void {
  if (x === null || typeof x !== 'object' || typeof (x as { length?: unknown }).length !== 'number') {
    throw new TypeError(`${name} must be an array or typed array of numbers`);
  }
}

/** Finite values of `x` (NaN and +-Infinity dropped) in a new ascending Float64Array. */
export function sortedFinite(x: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isFinite(v)) out[k++] = v;
  }
  return out.sort();
}

/** Number of distinct values in a sorted array. */
export function countUniqueSorted(a: Float64Array): number {
  if (a.length === 0) return 0;
  let u = 1;
  for (let i = 1; i < a.length; i++) if (a[i] !== a[i - 1]) u++;
  return u;
}

/** Number of distinct values in the union of two sorted arrays (merge walk). */
export function countUniqueUnionSorted(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let u = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    u++;
  }
  return u;
}

/** Sum of a Float64Array with Neumaier compensation. */
export function compensatedSum(x: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

/** Population standard deviation (ddof = 0, numpy's default), two-pass. */
export function populationStd(x: Float64Array): number {
  const n = x.length;
  if (n === 0) return Number.NaN;
  const mean = compensatedSum(x) / n;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    const v = d * d;
    const t = s + v;
    c += s >= v ? s - t + v : v - t + s;
    s = t;
  }
  return Math.sqrt((s + c) / n);
}
