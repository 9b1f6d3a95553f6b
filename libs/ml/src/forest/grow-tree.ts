/**
 * CART tree growth for the random forest, scikit-learn's `BestSplitter` + `DepthFirstTreeBuilder`
 * with the Gini criterion. Self-contained on purpose (no imports, helpers nested): its source is
 * also shipped to worker threads via `Function.prototype.toString`.
 */

/** Stopping and sampling parameters of one tree. */
export interface ForestGrowConfig {
  /** Maximum depth (root = 0); Infinity = unlimited. */
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Number of non-constant features to examine per node. */
  maxFeatures: number;
}

/** The flat arrays of one grown tree (same layout as `Tree` in trees/tree.ts). */
export interface ForestGrownTree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  defaultLeft: Uint8Array;
  value: Float64Array;
  cover: Float64Array;
  gain: Float64Array;
}

/**
 * Grows one classification tree on a column-major matrix `x` (`x[f * n + i]`, NaN = missing) with
 * per-row weights `sw` (bootstrap counts; rows with weight 0 are left out).
 *
 * Per node: features are drawn without replacement (Fisher-Yates with `nextInt`); `maxFeatures`
 * draws are examined, constant features included, and drawing goes on while all were constant
 * (sklearn's rule). For each, the node's rows are sorted by value
 * (NaN last) and every boundary between distinct values (gap > 1e-7, sklearn's FEATURE_THRESHOLD)
 * is scored by the weighted Gini proxy sum_child sum_k w_k^2 / w_child; missing rows are tried on
 * the right and on the left, plus the split "non-missing left | missing right" (threshold +inf),
 * as sklearn >= 1.4 does. Threshold = midpoint of the adjacent values (rule x <= t). Without
 * missing rows at a node, NaN at predict time goes to the child with more rows (sklearn).
 * Leaf value = weighted positive fraction; cover = weighted rows; gain = w*gini - wL*giniL - wR*giniR.
 * A node is a leaf when depth >= maxDepth, rows < minSamplesSplit, rows < 2 * minSamplesLeaf, or
 * Gini <= DBL_EPSILON; a split must leave minSamplesLeaf rows on each side.
 */
export function growForestTree(
  x: Float64Array,
  n: number,
  p: number,
  y: Uint8Array,
  sw: Float64Array,
  cfg: ForestGrowConfig,
  nextInt: (k: number) => number,
): ForestGrownTree {
  const FEATURE_THRESHOLD = 1e-7;
  const EPSILON = 2.220446049250313e-16;
  const msl = cfg.minSamplesLeaf;
  let m = 0;
  for (let i = 0; i < n; i++) if (sw[i]! > 0) m++;
  const samples = new Int32Array(m);
  for (let i = 0, k = 0; i < n; i++) if (sw[i]! > 0) samples[k++] = i;
  const xf = new Float64Array(m);
  const features = new Int32Array(p);
  for (let f = 0; f < p; f++) features[f] = f;

  const feat: number[] = [];
  const thr: number[] = [];
  const lc: number[] = [];
  const rc: number[] = [];
  const dl: number[] = [];
  const val: number[] = [];
  const cov: number[] = [];
  const gn: number[] = [];

  // Sorts xf[lo..hi) ascending, permuting samples alongside (quicksort, median of 3, insertion sort).
  const sortRange = (lo: number, hi: number): void => {
    while (hi - lo > 16) {
      const mid = (lo + hi) >>> 1;
      const a = xf[lo]!, b = xf[mid]!, c = xf[hi - 1]!;
      const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
      let i = lo, j = hi - 1;
      while (i <= j) {
        while (xf[i]! < pivot) i++;
        while (xf[j]! > pivot) j--;
        if (i <= j) {
          const tv = xf[i]!; xf[i] = xf[j]!; xf[j] = tv;
          const ts = samples[i]!; samples[i] = samples[j]!; samples[j] = ts;
          i++; j--;
        }
      }
      if (j - lo < hi - i) { sortRange(lo, j + 1); lo = i; } else { sortRange(i, hi); hi = j + 1; }
    }
    for (let i = lo + 1; i < hi; i++) {
      const v = xf[i]!, s = samples[i]!;
      let j = i - 1;
      while (j >= lo && xf[j]! > v) { xf[j + 1] = xf[j]!; samples[j + 1] = samples[j]!; j--; }
      xf[j + 1] = v; samples[j + 1] = s;
    }
  };

  const gini = (w: number, pos: number): number => {
    if (w <= 0) return 0;
    const q = pos / w;
    return 1 - q * q - (1 - q) * (1 - q);
  };

  // Depth-first stack: start, end, depth, parent, isLeft.
  const stack: number[] = [0, m, 0, -1, 0];
  while (stack.length) {
    const isLeft = stack.pop()!, parent = stack.pop()!, depth = stack.pop()!, end = stack.pop()!, start = stack.pop()!;
    let w = 0, wpos = 0;
    for (let k = start; k < end; k++) {
      const s = samples[k]!;
      w += sw[s]!;
      if (y[s]) wpos += sw[s]!;
    }
    const nNode = end - start;
    const imp = gini(w, wpos);
    const id = feat.length;
    feat.push(-1); thr.push(0); lc.push(-1); rc.push(-1); dl.push(0); val.push(wpos / w); cov.push(w); gn.push(0);
    if (parent >= 0) { if (isLeft) lc[parent] = id; else rc[parent] = id; }
    if (depth >= cfg.maxDepth || nNode < cfg.minSamplesSplit || nNode < 2 * msl || imp <= EPSILON) continue;

    let bestProxy = -Infinity, bestF = -1, bestThr = 0, bestDL = 0, bestWL = 0, bestPosL = 0;
    // sklearn counts every drawn feature (constant ones too) toward maxFeatures, but keeps drawing
    // while every feature drawn so far was constant.
    let fRemaining = p, visited = 0, constants = 0;
    while (fRemaining > 0 && (visited < cfg.maxFeatures || visited <= constants)) {
      visited++;
      const j = nextInt(fRemaining);
      fRemaining--;
      const f = features[j]!;
      features[j] = features[fRemaining]!;
      features[fRemaining] = f;
      const off = f * n;
      // load values; NaN rows to the end
      let endNM = end;
      for (let k = start; k < endNM; ) {
        const v = x[off + samples[k]!]!;
        if (Number.isNaN(v)) {
          endNM--;
          const ts = samples[k]!; samples[k] = samples[endNM]!; samples[endNM] = ts;
          xf[endNM] = v;
        } else {
          xf[k] = v;
          k++;
        }
      }
      const nMissing = end - endNM;
      if (endNM === start) { constants++; continue; } // all missing: constant
      sortRange(start, endNM);
      if (nMissing === 0 && xf[endNM - 1]! <= xf[start]! + FEATURE_THRESHOLD) { constants++; continue; }
      let wMiss = 0, posMiss = 0;
      for (let k = endNM; k < end; k++) {
        const s = samples[k]!;
        wMiss += sw[s]!;
        if (y[s]) posMiss += sw[s]!;
      }
      const passes = nMissing > 0 ? 2 : 1;
      for (let pass = 0; pass < passes; pass++) {
        const missLeft = pass === 1;
        let wL = missLeft ? wMiss : 0, posL = missLeft ? posMiss : 0;
        const nBase = missLeft ? nMissing : 0;
        for (let k = start; k < endNM - 1; k++) {
          const s = samples[k]!;
          wL += sw[s]!;
          if (y[s]) posL += sw[s]!;
          if (xf[k + 1]! <= xf[k]! + FEATURE_THRESHOLD) continue;
          const nLeft = k + 1 - start + nBase;
          const nRight = nNode - nLeft;
          if (nLeft < msl || nRight < msl) continue;
          const wR = w - wL, posR = wpos - posL;
          const negL = wL - posL, negR = wR - posR;
          const proxy = (posL * posL + negL * negL) / wL + (posR * posR + negR * negR) / wR;
          if (proxy > bestProxy) {
            bestProxy = proxy;
            bestF = f;
            let t = xf[k]! / 2 + xf[k + 1]! / 2;
            if (t === xf[k + 1]! || !Number.isFinite(t)) t = xf[k]!;
            bestThr = t;
            bestDL = nMissing > 0 ? (missLeft ? 1 : 0) : nLeft > nRight ? 1 : 0;
            bestWL = wL;
            bestPosL = posL;
          }
        }
      }
      if (nMissing > 0) {
        const nLeft = endNM - start;
        if (nLeft >= msl && nMissing >= msl) {
          const wL = w - wMiss, posL = wpos - posMiss;
          const negL = wL - posL, negR = wMiss - posMiss;
          const proxy = (posL * posL + negL * negL) / wL + (posMiss * posMiss + negR * negR) / wMiss;
          if (proxy > bestProxy) {
            bestProxy = proxy;
            bestF = f;
            bestThr = Infinity;
            bestDL = 0;
            bestWL = wL;
            bestPosL = posL;
          }
        }
      }
    }
    if (bestF < 0) continue;
    // partition rows: left first
    const off = bestF * n;
    let i = start, j = end - 1;
    while (i <= j) {
      const v = x[off + samples[i]!]!;
      const goLeft = Number.isNaN(v) ? bestDL === 1 : v <= bestThr;
      if (goLeft) i++;
      else {
        const ts = samples[i]!; samples[i] = samples[j]!; samples[j] = ts;
        j--;
      }
    }
    const mid = i;
    if (mid === start || mid === end) continue;
    const wR = w - bestWL, posR = wpos - bestPosL;
    feat[id] = bestF;
    thr[id] = bestThr;
    dl[id] = bestDL;
    gn[id] = w * imp - bestWL * gini(bestWL, bestPosL) - wR * gini(wR, posR);
    // push right first so the left child is grown first (sklearn order)
    stack.push(mid, end, depth + 1, id, 0);
    stack.push(start, mid, depth + 1, id, 1);
  }
  return {
    feature: Int32Array.from(feat),
    threshold: Float64Array.from(thr),
    left: Int32Array.from(lc),
    right: Int32Array.from(rc),
    defaultLeft: Uint8Array.from(dl),
    value: Float64Array.from(val),
    cover: Float64Array.from(cov),
    gain: Float64Array.from(gn),
  };
}
