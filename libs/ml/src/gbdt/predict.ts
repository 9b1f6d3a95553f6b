import type { Matrix } from '../core/matrix.js';
import type { Tree } from '../trees/tree.js';

/**
 * Adds the leaf values of `trees` (split rule 'lt', float32 comparison, NaN -> default
 * direction) to `out[r]` for every row of the column-major matrix `x`. Trees are iterated in the
 * outer loop so each tree's arrays stay in cache; no closure per node.
 */
export function addTreesMargin(trees: readonly Tree[], x: Matrix, out: Float64Array): void {
  const n = x.rows;
  const data = x.data;
  for (const t of trees) {
    const { feature, threshold, left, right, defaultLeft, value } = t;
    if (feature[0]! < 0) {
      const v0 = value[0]!;
      for (let r = 0; r < n; r++) out[r] += v0;
      continue;
    }
    for (let r = 0; r < n; r++) {
      let node = 0;
      let f = feature[0]!;
      while (f >= 0) {
        const v = data[f * n + r]!;
        if (v !== v) node = defaultLeft[node] === 1 ? left[node]! : right[node]!;
        else node = Math.fround(v) < threshold[node]! ? left[node]! : right[node]!;
        f = feature[node]!;
      }
      out[r] += value[node]!;
    }
  }
}

/**
 * Adds one tree's leaf values to `out` for binned rows (`bins[f * n + r]`), routing with the split
 * bins: left when bin <= splitBin, the missing bin follows defaultLeft. Exactly equal to routing
 * the raw values with the thresholds (see binning.ts). Only rows with `mask[r] === 0` when a mask
 * is given.
 */
export function addTreeMarginBinned(
  tree: Tree,
  splitBin: Int32Array,
  bins: Uint8Array,
  n: number,
  missingBin: Int32Array,
  out: Float64Array,
  mask: Uint8Array | null,
): void {
  const { feature, left, right, defaultLeft, value } = tree;
  for (let r = 0; r < n; r++) {
    if (mask !== null && mask[r] === 1) continue;
    let node = 0;
    let f = feature[0]!;
    while (f >= 0) {
      const b = bins[f * n + r]!;
      if (b === missingBin[f]) node = defaultLeft[node] === 1 ? left[node]! : right[node]!;
      else node = b <= splitBin[node]! ? left[node]! : right[node]!;
      f = feature[node]!;
    }
    out[r] += value[node]!;
  }
}

/** ROC-AUC with tied scores counted as 1/2 (Mann-Whitney), the definition scikit-learn uses. */
export function rocAuc(y: Uint8Array, score: Float64Array): number {
  const n = y.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => score[a]! - score[b]!);
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i]!;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]!] === score[order[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[order[k]!] === 1) rankSum += avg;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean logistic loss of margins `m` against labels (stable form, no clipping needed). */
export function logLossFromMargin(y: Uint8Array, m: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const z = m[i]!;
    const e = Math.exp(-Math.abs(z));
    s += Math.log1p(e) + (z >= 0 ? (1 - y[i]!) * z : -y[i]! * z);
  }
  return s / y.length;
}
