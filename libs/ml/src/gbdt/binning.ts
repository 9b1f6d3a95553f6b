import type { Matrix } from '../core/matrix.js';
import { Rng } from '../core/random.js';

/**
 * Quantile bin edges per feature, the histogram-boosting discretization of XGBoost `hist` and
 * LightGBM.
 *
 * Values are compared in float32 (as XGBoost and LightGBM store features): `v = Math.fround(x)`.
 * Feature f has cut points `cuts[f]` (strictly increasing float32 values) and
 * `nValueBins[f] = cuts[f].length + 1` value bins; value bin `b` holds
 * `cuts[b-1] <= v < cuts[b]`, i.e. `bin(v) = #{cuts <= v}` (an upper bound, as XGBoost's cut
 * search). NaN goes to its own bin `missingBin(f) = nValueBins[f]`. A split "bins 0..b go left"
 * is exactly `v < cuts[b]`, so trees use split rule 'lt' with thresholds = real cut values and
 * predict identically on raw floats and on bins.
 */
export interface BinMapper {
  readonly nFeatures: number;
  readonly cuts: readonly Float64Array[];
  readonly nValueBins: Int32Array;
  /** Offset of feature f's first bin in a histogram over all features (missing bin included). */
  readonly offsets: Int32Array;
  /** Total histogram length in bins over all features (value bins + one missing bin each). */
  readonly totalBins: number;
}

/**
 * Builds bin edges from (a seeded sample of) the training rows.
 * - at most `maxBin - 1` value bins per feature (one bin is kept for missing values);
 * - a feature with at most `maxBin - 1` distinct values gets one bin per distinct value;
 * - otherwise cuts follow the empirical quantiles of the sample (equal-count bins, greedy over
 *   distinct values so a heavy value never straddles two bins);
 * - more than `sampleRows` rows: a Bernoulli sample of about `sampleRows` rows is used.
 * NaN values are ignored for the edges. A feature that is all NaN gets a single empty value bin.
 */
export function buildBinMapper(x: Matrix, maxBin: number, sampleRows: number, seed: number): BinMapper {
  const n = x.rows;
  const nf = x.cols;
  const maxValueBins = maxBin - 1;
  let sample: Uint32Array | null = null;
  if (n > sampleRows) {
    const rng = new Rng(seed ^ 0x5bd1e995);
    const p = sampleRows / n;
    const tmp = new Uint32Array(Math.min(n, Math.ceil(sampleRows * 1.1) + 64));
    let k = 0;
    for (let i = 0; i < n && k < tmp.length; i++) if (rng.nextFloat() < p) tmp[k++] = i;
    sample = tmp.subarray(0, k);
  }
  const m = sample ? sample.length : n;
  const vals = new Float32Array(m);
  const cuts: Float64Array[] = [];
  const nValueBins = new Int32Array(nf);
  const offsets = new Int32Array(nf);
  let total = 0;
  for (let f = 0; f < nf; f++) {
    const base = f * n;
    let k = 0;
    if (sample) {
      for (let i = 0; i < m; i++) {
        const v = x.data[base + sample[i]!]!;
        if (v === v) vals[k++] = v;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = x.data[base + i]!;
        if (v === v) vals[k++] = v;
      }
    }
    const sorted = vals.subarray(0, k).sort();
    const c = quantileCuts(sorted, maxValueBins);
    cuts.push(c);
    nValueBins[f] = c.length + 1;
    offsets[f] = total;
    total += c.length + 2;
  }
  return { nFeatures: nf, cuts, nValueBins, offsets, totalBins: total };
}

function quantileCuts(sorted: Float32Array, maxValueBins: number): Float64Array {
  const k = sorted.length;
  if (k === 0) return new Float64Array(0);
  let distinct = 1;
  for (let i = 1; i < k; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  const out: number[] = [];
  if (distinct <= maxValueBins) {
    for (let i = 1; i < k; i++) if (sorted[i] !== sorted[i - 1]) out.push(sorted[i]!);
    return Float64Array.from(out);
  }
  // Greedy equal-count bins over distinct values: close a bin once the running count passes the
  // next quantile target; the cut is the next distinct value (bins are [cut_{b-1}, cut_b)).
  const perBin = k / maxValueBins;
  let i = 0;
  while (i < k && out.length < maxValueBins - 1) {
    let j = i;
    while (j + 1 < k && sorted[j + 1] === sorted[i]) j++;
    // sorted[i..j] is one distinct value; rows up to j are counted
    const cum = j + 1;
    if (j + 1 < k && cum >= (out.length + 1) * perBin) out.push(sorted[j + 1]!);
    i = j + 1;
  }
  return Float64Array.from(out);
}

/** Bin index of one value of feature f (see {@link BinMapper}). */
export function binOf(mapper: BinMapper, f: number, x: number): number {
  if (x !== x) return mapper.nValueBins[f]!;
  return upperBound(mapper.cuts[f]!, Math.fround(x));
}

function upperBound(c: Float64Array, v: number): number {
  let lo = 0;
  let hi = c.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Writes the bin of every value into `out` (column-major like the matrix: `out[f * rows + r]`).
 * `out` must have length rows * cols; bins fit in a byte because maxBin <= 256.
 */
export function applyBins(mapper: BinMapper, x: Matrix, out: Uint8Array): void {
  const n = x.rows;
  if (x.cols !== mapper.nFeatures) throw new RangeError(`x has ${x.cols} columns, the bin mapper ${mapper.nFeatures}`);
  if (out.length !== n * x.cols) throw new RangeError(`out has length ${out.length}, expected ${n * x.cols}`);
  const data = x.data;
  for (let f = 0; f < x.cols; f++) {
    const c = mapper.cuts[f]!;
    const missing = mapper.nValueBins[f]!;
    const base = f * n;
    const len = c.length;
    for (let r = 0; r < n; r++) {
      const raw = data[base + r]!;
      if (raw !== raw) {
        out[base + r] = missing;
        continue;
      }
      const v = Math.fround(raw);
      let lo = 0;
      let hi = len;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (c[mid]! <= v) lo = mid + 1;
        else hi = mid;
      }
      out[base + r] = lo;
    }
  }
}
