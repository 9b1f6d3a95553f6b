import type { Tree } from '../trees/tree.js';
import { binOf, type BinMapper } from './binning.js';
import { buildHistogram, HistogramWorkers, sharedArray } from './histogram.js';
import type { GrowConfig } from './params.js';

/** A grown tree plus what training needs to route binned rows (split bin per node). */
export interface GrownTree {
  tree: Tree;
  /** Split bin per node: rows with bin <= splitBin go left (-1 at leaves or for "missing only left"). */
  splitBin: Int32Array;
  /** Leaf node ids and their row ranges in `idx` after partitioning. */
  leafIds: number[];
  leafStart: number[];
  leafEnd: number[];
}

interface Candidate {
  id: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  hist: Float64Array | null;
  // best split
  gain: number;
  feat: number;
  bin: number;
  defaultLeft: number;
  gl: number;
  hl: number;
  /** Right child's gradient and hessian sums of the best split. */
  gr: number;
  hr: number;
  /** Lossguide: 1 for the features that had a valid split in this node (LightGBM's is_splittable). */
  splittable: Uint8Array | null;
}

/**
 * Grows one regression tree on the Newton objective from binned features and gradient pairs.
 *
 * Split gain (XGBoost's code, `CalcGain` without the paper's 1/2, so `gamma` and gain
 * importances mean what they mean in XGBoost):
 *   gain = T(G_L)^2/(H_L+λ) + T(G_R)^2/(H_R+λ) - T(G)^2/(H+λ),  T(G) = sign(G) max(|G|-α, 0);
 * a split is taken when gain > 1e-6 and gain >= γ (pre-pruning, LightGBM's min_gain_to_split
 * semantics; XGBoost prunes bottom-up after growing, which can keep a weak split whose children are
 * strong) and both children have hessian sum >= minChildHess. The 'lossguide' policy uses
 * LightGBM's split search instead (see findSplitLightGbm: minChildCount checked on row counts
 * estimated from hessians, LightGBM's arithmetic and feature filtering), so that with identical
 * bins and no sampling it grows LightGBM's trees.
 * Leaf value = -T(G)/(H+λ) * eta. Missing values: each split is tried with the missing bin on the
 * right (first) and on the left, the better (strictly) wins; no missing in the node -> right.
 *
 * Growth: 'depthwise' expands nodes in breadth-first order up to maxDepth (equivalent to
 * XGBoost's level-wise growth since a node's split only depends on its rows); 'lossguide'
 * expands the leaf with the largest gain until maxLeaves. Histograms: the smaller child is built,
 * the larger one is parent - smaller (in place in the parent's buffer); children at maxDepth
 * need no histogram.
 */
export class TreeGrower {
  readonly idx: Uint32Array;
  private readonly scratch: Uint32Array;
  private readonly gh: Float64Array;
  /** True while growing from the identity row order (idx[i] = i for all n rows). */
  private dense = false;
  readonly feats: Int32Array;
  private readonly histLen: number;
  private readonly pool: Float64Array[] = [];
  private readonly nBins: Int32Array;
  private readonly workers: HistogramWorkers | null;
  private readonly workHist: Float64Array | null;
  /** 1 when the feature has missing values in the training rows (LightGBM's missing_type NaN). */
  private readonly hasMissing: Uint8Array;
  /**
   * LightGBM's most frequent bin per feature when it is not bin 0, else -1 (lossguide only): LightGBM
   * does not accumulate that bin but derives it from the node totals (Dataset::FixHistogram).
   */
  private readonly mostFreqBin: Int32Array;

  constructor(
    private readonly bins: Uint8Array,
    private readonly n: number,
    private readonly mapper: BinMapper,
    private readonly cfg: GrowConfig,
    useThreads: boolean,
  ) {
    const nf = mapper.nFeatures;
    this.histLen = 2 * mapper.totalBins;
    this.nBins = new Int32Array(nf);
    for (let f = 0; f < nf; f++) this.nBins[f] = mapper.nValueBins[f]! + 1;
    this.scratch = new Uint32Array(n);
    this.hasMissing = new Uint8Array(nf);
    this.mostFreqBin = new Int32Array(nf).fill(-1);
    if (cfg.policy === 'lossguide') {
      const counts = new Int32Array(257);
      for (let f = 0; f < nf; f++) {
        const col = bins.subarray(f * n, (f + 1) * n);
        const missing = mapper.nValueBins[f]!;
        counts.fill(0);
        for (let r = 0; r < n; r++) counts[col[r]!]! += 1;
        if (counts[missing]! > 0) this.hasMissing[f] = 1;
        // BinMapper::FindBin: the most frequent value bin, unless it holds < 70% of the rows and
        // is not the bin of 0 (then the bin of 0)
        let mfb = 0;
        for (let b = 1; b < missing; b++) if (counts[b]! > counts[mfb]!) mfb = b;
        const zeroBin = binOf(mapper, f, 0);
        if (mfb !== zeroBin && counts[mfb]! / n < 0.7) mfb = zeroBin;
        if (mfb > 0) this.mostFreqBin[f] = mfb;
      }
    }
    if (useThreads) {
      this.idx = sharedArray(Uint32Array, n);
      this.gh = sharedArray(Float64Array, 2 * n);
      this.feats = sharedArray(Int32Array, nf);
      this.workHist = sharedArray(Float64Array, this.histLen);
      const offsets = sharedArray(Int32Array, nf);
      offsets.set(mapper.offsets);
      const nBins = sharedArray(Int32Array, nf);
      nBins.set(this.nBins);
      this.workers = new HistogramWorkers(
        { bins, n, idx: this.idx, gh: this.gh, feats: this.feats, offsets, nBins, hist: this.workHist },
        cfg.nThreads,
      );
    } else {
      this.idx = new Uint32Array(n);
      this.gh = new Float64Array(2 * n);
      this.feats = new Int32Array(nf);
      this.workHist = null;
      this.workers = null;
    }
  }

  close(): void {
    this.workers?.close();
  }

  private takeHist(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.histLen);
  }

  private buildHist(c: Candidate, g: Float32Array, h: Float32Array, nSel: number): Float64Array {
    const { idx, gh } = this;
    for (let i = c.start; i < c.end; i++) {
      const r = idx[i]!;
      gh[2 * i] = g[r]!;
      gh[2 * i + 1] = h[r]!;
    }
    const out = this.takeHist();
    const dense = this.dense && c.start === 0 && c.end === this.n;
    if (this.workers && this.workHist) {
      this.workers.build(c.start, c.end, nSel, dense);
      out.set(this.workHist);
    } else {
      buildHistogram(this.bins, this.n, idx, c.start, c.end, gh, this.feats, 0, nSel, this.mapper.offsets, this.nBins, out, dense ? 1 : 0);
    }
    if (this.cfg.policy === 'lossguide') {
      // LightGBM's FixHistogram: most frequent bin = node totals minus the other bins, in bin order
      for (let k = 0; k < nSel; k++) {
        const f = this.feats[k]!;
        const mfb = this.mostFreqBin[f]!;
        if (mfb < 0) continue;
        const off = 2 * this.mapper.offsets[f]!;
        let gs = c.g;
        let hs = c.h;
        const nb = this.nBins[f]!;
        for (let b = 0; b < nb; b++) {
          if (b === mfb) continue;
          gs -= out[off + 2 * b]!;
          hs -= out[off + 2 * b + 1]!;
        }
        out[off + 2 * mfb] = gs;
        out[off + 2 * mfb + 1] = hs;
      }
    }
    return out;
  }

  private score(g: number, h: number): number {
    const a = this.cfg.alpha;
    let t = g;
    if (a > 0) t = g > a ? g - a : g < -a ? g + a : 0;
    return (t * t) / (h + this.cfg.lambda);
  }

  private leafValue(g: number, h: number): number {
    const a = this.cfg.alpha;
    let t = g;
    if (a > 0) t = g > a ? g - a : g < -a ? g + a : 0;
    return (-t / (h + this.cfg.lambda)) * this.cfg.eta;
  }

  private findSplit(c: Candidate, nSel: number): void {
    c.gain = 0;
    c.feat = -1;
    const hist = c.hist!;
    const { minChildHess, minChildCount, lambda, alpha } = this.cfg;
    const G = c.g;
    const H = c.h;
    const C = c.end - c.start;
    const parent = this.score(G, H);
    let best = 1e-6;
    const useScore = alpha > 0;
    // LightGBM's row counts: estimated from hessians, cnt(bin) = round(h_bin * C / (H + 2e-15))
    const useCount = minChildCount > 0;
    const cntFactor = C / (H + 2e-15);
    const offsets = this.mapper.offsets;
    const nValueBins = this.mapper.nValueBins;
    for (let k = 0; k < nSel; k++) {
      const f = this.feats[k]!;
      const off = 2 * offsets[f]!;
      const nvb = nValueBins[f]!;
      const mo = off + 2 * nvb;
      const gm = hist[mo]!;
      const hm = hist[mo + 1]!;
      // every row has h >= 1e-16 > 0, so the missing bin is empty iff its hessian sum is 0
      const hasMissing = hm > 0;
      // estimated count of all value bins (for the right side of LightGBM's reverse scan)
      let cntValues = 0;
      if (useCount) for (let b = 0; b < nvb; b++) cntValues += Math.floor(hist[off + 2 * b + 1]! * cntFactor + 0.5);
      let gl = 0;
      let hl = 0;
      let cl = 0;
      // b = -1 with missing left: all values right
      if (hasMissing) {
        const gr = G - gm;
        const hr = H - hm;
        const cr = cntValues;
        if (hm >= minChildHess && hr >= minChildHess && (!useCount || (C - cr >= minChildCount && cr >= minChildCount))) {
          const gain = useScore
            ? this.score(gm, hm) + this.score(gr, hr) - parent
            : (gm * gm) / (hm + lambda) + (gr * gr) / (hr + lambda) - parent;
          if (gain > best) {
            best = gain;
            c.feat = f;
            c.bin = -1;
            c.defaultLeft = 1;
            c.gl = gm;
            c.hl = hm;
          }
        }
      }
      for (let b = 0; b < nvb - 1; b++) {
        const j = off + 2 * b;
        gl += hist[j]!;
        hl += hist[j + 1]!;
        if (useCount) cl += Math.floor(hist[j + 1]! * cntFactor + 0.5);
        // missing right (LightGBM's forward scan: left counted, right = C - left; with no missing
        // rows the reverse scan's rule, right counted, as LightGBM scans features without NaN)
        let gr = G - gl;
        let hr = H - hl;
        if (hl >= minChildHess && hr >= minChildHess && (!useCount || (hasMissing ? cl >= minChildCount && C - cl >= minChildCount : C - (cntValues - cl) >= minChildCount && cntValues - cl >= minChildCount))) {
          const gain = useScore
            ? this.score(gl, hl) + this.score(gr, hr) - parent
            : (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
          if (gain > best) {
            best = gain;
            c.feat = f;
            c.bin = b;
            c.defaultLeft = 0;
            c.gl = gl;
            c.hl = hl;
          }
        }
        if (hasMissing) {
          // missing left (LightGBM's reverse scan: right = values above b counted, left = C - right)
          const gl2 = gl + gm;
          const hl2 = hl + hm;
          const cr2 = cntValues - cl;
          gr = G - gl2;
          hr = H - hl2;
          if (hl2 >= minChildHess && hr >= minChildHess && (!useCount || (C - cr2 >= minChildCount && cr2 >= minChildCount))) {
            const gain = useScore
              ? this.score(gl2, hl2) + this.score(gr, hr) - parent
              : (gl2 * gl2) / (hl2 + lambda) + (gr * gr) / (hr + lambda) - parent;
            if (gain > best) {
              best = gain;
              c.feat = f;
              c.bin = b;
              c.defaultLeft = 1;
              c.gl = gl2;
              c.hl = hl2;
            }
          }
        }
      }
    }
    if (c.feat >= 0 && best >= this.cfg.gamma) {
      c.gain = best;
      c.gr = G - c.gl;
      c.hr = H - c.hl;
    } else c.feat = -1;
  }

  /**
   * LightGBM's split search (lossguide policy), with its arithmetic so that ties (e.g. the two
   * columns of a binary one-hot pair) resolve the same way
   * (src/treelearner/feature_histogram.hpp, FindBestThresholdSequentially):
   * - hessian sums carry LightGBM's kEpsilon = 1e-15 (node sum + 2 eps, each side starts at eps);
   * - min_data_in_leaf is checked on counts estimated from hessians, not on real rows:
   *   cnt(bin) = floor(h_bin * C / (H + 2 eps) + 0.5) with C the node's rows; the scanned side sums
   *   the bins' estimates, the other side is C minus that. A child whose rows have larger than
   *   average hessians (p near 0.5) can therefore pass with fewer real rows than minDataInLeaf;
   * - scans: from the top value bin down (right side accumulated, missing values left), and for
   *   features with missing values in training also from bin 0 up (left accumulated, missing
   *   right); the second scan wins only when strictly better; across features the first (lowest
   *   index) wins ties;
   * - gain = score(L) + score(R) - score(parent) - minGainToSplit, a split needs gain > 0;
   * - a feature with no valid split in a node is not searched in that node's descendants
   *   (SerialTreeLearner::FindBestSplits skips features whose parent histogram is not splittable).
   * Child sums: left = the scanned sums, right = parent - left, as LightGBM's SplitInfo.
   */
  private findSplitLightGbm(c: Candidate, nSel: number, parentSplittable: Uint8Array | null): void {
    const EPS = 1e-15;
    c.gain = 0;
    c.feat = -1;
    const hist = c.hist!;
    const { minChildHess, minChildCount } = this.cfg;
    const G = c.g;
    const sumH = c.h + 2 * EPS;
    const C = c.end - c.start;
    const cntFactor = C / sumH;
    const shift = this.score(G, sumH) + this.cfg.gamma;
    const offsets = this.mapper.offsets;
    const nValueBins = this.mapper.nValueBins;
    let bestGain = 0;
    const splittable = new Uint8Array(this.mapper.nFeatures);
    c.splittable = splittable;
    for (let k = 0; k < nSel; k++) {
      const f = this.feats[k]!;
      if (parentSplittable !== null && parentSplittable[f] === 0) continue;
      const off = 2 * offsets[f]!;
      const nvb = nValueBins[f]!;
      let featGain = Number.NEGATIVE_INFINITY;
      let fBin = -1;
      let fDl = 0;
      let fgl = 0;
      let fhl = 0;
      // reverse scan: right = value bins above the threshold, missing values left
      let best = Number.NEGATIVE_INFINITY;
      let rg = 0;
      let rh = EPS;
      let rc = 0;
      for (let t = nvb - 1; t >= 1; t--) {
        const hb = hist[off + 2 * t + 1]!;
        rg += hist[off + 2 * t]!;
        rh += hb;
        rc += Math.floor(hb * cntFactor + 0.5);
        if (rc < minChildCount || rh < minChildHess) continue;
        if (C - rc < minChildCount) break;
        const lh = sumH - rh;
        if (lh < minChildHess) break;
        const lg = G - rg;
        const gain = this.score(lg, lh) + this.score(rg, rh);
        if (gain <= shift) continue;
        if (gain > best) {
          best = gain;
          fBin = t - 1;
          fDl = 1;
          fgl = lg;
          fhl = lh;
        }
      }
      if (best > Number.NEGATIVE_INFINITY) featGain = best - shift;
      if (this.hasMissing[f] === 1) {
        // forward scan: left = value bins up to the threshold, missing values right; the last
        // threshold (all values left, missing right) is our "missing only left" split mirrored
        let best2 = Number.NEGATIVE_INFINITY;
        let b2 = -1;
        let gl2 = 0;
        let hl2 = 0;
        let lg = 0;
        let lh = EPS;
        let lc = 0;
        for (let t = 0; t <= nvb - 1; t++) {
          const hb = hist[off + 2 * t + 1]!;
          lg += hist[off + 2 * t]!;
          lh += hb;
          lc += Math.floor(hb * cntFactor + 0.5);
          if (lc < minChildCount || lh < minChildHess) continue;
          if (C - lc < minChildCount) break;
          const rh2 = sumH - lh;
          if (rh2 < minChildHess) break;
          const rg2 = G - lg;
          const gain = this.score(lg, lh) + this.score(rg2, rh2);
          if (gain <= shift) continue;
          if (gain > best2) {
            best2 = gain;
            b2 = t;
            gl2 = lg;
            hl2 = lh;
          }
        }
        if (best2 > Number.NEGATIVE_INFINITY && (featGain === Number.NEGATIVE_INFINITY || best2 > featGain + shift)) {
          featGain = best2 - shift;
          if (b2 === nvb - 1) {
            // all values left, missing right == missing left, all values right
            fBin = -1;
            fDl = 1;
            fgl = G - gl2;
            fhl = sumH - hl2;
          } else {
            fBin = b2;
            fDl = 0;
            fgl = gl2;
            fhl = hl2;
          }
        }
      }
      if (featGain > Number.NEGATIVE_INFINITY) splittable[f] = 1;
      if (featGain > bestGain) {
        bestGain = featGain;
        c.feat = f;
        c.bin = fBin;
        c.defaultLeft = fDl;
        c.gl = fgl;
        c.hl = fhl - EPS;
        c.gr = G - fgl;
        c.hr = sumH - fhl - EPS;
      }
    }
    if (c.feat >= 0) c.gain = bestGain;
  }

  private split(c: Candidate, nSel: number, parent: Candidate | null): void {
    if (this.cfg.policy === 'lossguide') this.findSplitLightGbm(c, nSel, parent ? parent.splittable : null);
    else this.findSplit(c, nSel);
  }

  /** Stable in-place partition of idx[start..end); returns the first right position. */
  private partition(c: Candidate): number {
    const f = c.feat;
    const w = partitionRows(this.idx, this.scratch, this.bins, f * this.n, c.start, c.end, c.bin, c.defaultLeft, this.mapper.nValueBins[f]!);
    // right rows back after the left ones (native copy)
    this.idx.set(this.scratch.subarray(0, c.end - w), w);
    return w;
  }

  /**
   * Grows a tree on rows `idx[0..m)` (already filled by the caller) and features `feats[0..nSel)`.
   * `g`, `h` are per-row gradients and hessians (indexed by row id).
   */
  grow(m: number, nSel: number, g: Float32Array, h: Float32Array): GrownTree {
    const cfg = this.cfg;
    const depthwise = cfg.policy === 'depthwise';
    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const defaultLeft: number[] = [];
    const value: number[] = [];
    const cover: number[] = [];
    const gain: number[] = [];
    const splitBin: number[] = [];
    const newNode = (gs: number, hs: number): number => {
      feature.push(-1);
      threshold.push(0);
      left.push(-1);
      right.push(-1);
      defaultLeft.push(0);
      value.push(this.leafValue(gs, hs));
      cover.push(hs);
      gain.push(0);
      splitBin.push(-1);
      return feature.length - 1;
    };
    const leafIds: number[] = [];
    const leafStart: number[] = [];
    const leafEnd: number[] = [];
    const finalize = (c: Candidate): void => {
      leafIds.push(c.id);
      leafStart.push(c.start);
      leafEnd.push(c.end);
      if (c.hist) this.pool.push(c.hist);
      c.hist = null;
    };

    let G = 0;
    let H = 0;
    let identity = m === this.n;
    for (let i = 0; i < m; i++) {
      const r = this.idx[i]!;
      G += g[r]!;
      H += h[r]!;
      identity = identity && r === i;
    }
    this.dense = identity;
    const root: Candidate = { id: newNode(G, H), start: 0, end: m, depth: 0, g: G, h: H, hist: null, gain: 0, feat: -1, bin: -1, defaultLeft: 0, gl: 0, hl: 0, gr: 0, hr: 0, splittable: null };
    const maxDepth = cfg.maxDepth;
    const canSplit = (depth: number): boolean => maxDepth === 0 || depth < maxDepth;
    const open: Candidate[] = [];
    if (canSplit(0) && m >= 2) {
      root.hist = this.buildHist(root, g, h, nSel);
      this.split(root, nSel, null);
    }
    if (root.feat >= 0) open.push(root);
    else finalize(root);
    let nLeaves = 1;
    const maxLeaves = cfg.maxLeaves;
    while (open.length > 0) {
      let c: Candidate;
      if (depthwise) {
        c = open.shift()!;
      } else {
        if (maxLeaves > 0 && nLeaves >= maxLeaves) break;
        let bi = 0;
        for (let i = 1; i < open.length; i++) {
          const o = open[i]!;
          const bo = open[bi]!;
          if (o.gain > bo.gain || (o.gain === bo.gain && o.id < bo.id)) bi = i;
        }
        c = open[bi]!;
        open.splice(bi, 1);
      }
      const mid = this.partition(c);
      const gl = c.gl;
      const hl = c.hl;
      const gr = c.gr;
      const hr = c.hr;
      const lid = newNode(gl, hl);
      const rid = newNode(gr, hr);
      const id = c.id;
      feature[id] = c.feat;
      const cuts = this.mapper.cuts[c.feat]!;
      threshold[id] = c.bin < 0 ? -Infinity : cuts[c.bin]!;
      left[id] = lid;
      right[id] = rid;
      defaultLeft[id] = c.defaultLeft;
      // LightGBM stores the "true split gain" (minGainToSplit added back)
      gain[id] = depthwise ? c.gain : c.gain + cfg.gamma;
      splitBin[id] = c.bin;
      value[id] = 0;
      nLeaves++;
      const depth = c.depth + 1;
      const lc: Candidate = { id: lid, start: c.start, end: mid, depth, g: gl, h: hl, hist: null, gain: 0, feat: -1, bin: -1, defaultLeft: 0, gl: 0, hl: 0, gr: 0, hr: 0, splittable: null };
      const rc: Candidate = { id: rid, start: mid, end: c.end, depth, g: gr, h: hr, hist: null, gain: 0, feat: -1, bin: -1, defaultLeft: 0, gl: 0, hl: 0, gr: 0, hr: 0, splittable: null };
      const parentHist = c.hist!;
      c.hist = null;
      const nL = mid - c.start;
      const nR = c.end - mid;
      const needHist = canSplit(depth) && !(maxLeaves > 0 && nLeaves >= maxLeaves);
      if (needHist && (nL >= 2 || nR >= 2)) {
        // the child built directly: the one with fewer rows (ties: left; LightGBM's SplitInner: right)
        const leftSmall = depthwise ? nL <= nR : nL < nR;
        const small = leftSmall ? lc : rc;
        const large = small === lc ? rc : lc;
        small.hist = this.buildHist(small, g, h, nSel);
        // large = parent - small, in place in the parent's buffer (selected features only)
        const sh = small.hist;
        for (let k = 0; k < nSel; k++) {
          const f = this.feats[k]!;
          const a = 2 * this.mapper.offsets[f]!;
          const z = a + 2 * this.nBins[f]!;
          for (let j = a; j < z; j++) parentHist[j] = parentHist[j]! - sh[j]!;
        }
        large.hist = parentHist;
        this.split(lc, nSel, c);
        this.split(rc, nSel, c);
      } else {
        this.pool.push(parentHist);
      }
      for (const ch of [lc, rc]) {
        if (ch.feat >= 0) open.push(ch);
        else finalize(ch);
      }
    }
    for (const c of open) finalize(c);
    const tree: Tree = {
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      defaultLeft: Uint8Array.from(defaultLeft),
      value: Float64Array.from(value),
      cover: Float64Array.from(cover),
      gain: Float64Array.from(gain),
    };
    return { tree, splitBin: Int32Array.from(splitBin), leafIds, leafStart, leafEnd };
  }
}

/**
 * Stable partition kernel: rows `idx[start..end)` going left (bin <= b, or the missing bin when
 * `dl` = 1) are packed from `start`, the others into `scratch[0..)`; returns the first right
 * position. Nothing follows the loop on purpose: code first reached after a hot loop runs in V8's
 * on-stack-replaced code without type feedback and deoptimizes on every call.
 */
function partitionRows(idx: Uint32Array, scratch: Uint32Array, bins: Uint8Array, base: number, start: number, end: number, b: number, dl: number, missing: number): number {
  let w = start;
  let k = 0;
  // branchless: the missing bin (nValueBins) is above every split bin, so `v <= b` sends it right
  for (let i = start; i < end; i++) {
    const r = idx[i]!;
    const v = bins[base + r]!;
    const lb = +(v <= b) | (dl & +(v === missing));
    idx[w] = r;
    scratch[k] = r;
    w += lb;
    k += 1 - lb;
  }
  return w;
}
