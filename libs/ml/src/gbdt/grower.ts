import type { Tree } from '../trees/tree.js';
import type { BinMapper } from './binning.js';
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
}

/**
 * Grows one regression tree on the Newton objective from binned features and gradient pairs.
 *
 * Split gain (XGBoost's code, `CalcGain` without the paper's 1/2, so `gamma` and gain
 * importances mean what they mean in XGBoost):
 *   gain = T(G_L)^2/(H_L+λ) + T(G_R)^2/(H_R+λ) - T(G)^2/(H+λ),  T(G) = sign(G) max(|G|-α, 0);
 * a split is taken when gain > 1e-6 and gain >= γ (pre-pruning, LightGBM's min_gain_to_split
 * semantics; XGBoost prunes bottom-up after growing, which can keep a weak split whose children are
 * strong) and both children have hessian sum >= minChildHess and rows >= minChildCount.
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
  private readonly countBase: number;
  readonly feats: Int32Array;
  private readonly histLen: number;
  private readonly pool: Float64Array[] = [];
  private readonly nBins: Int32Array;
  private readonly workers: HistogramWorkers | null;
  private readonly workHist: Float64Array | null;

  constructor(
    private readonly bins: Uint8Array,
    private readonly n: number,
    private readonly mapper: BinMapper,
    private readonly cfg: GrowConfig,
    useThreads: boolean,
  ) {
    const nf = mapper.nFeatures;
    this.histLen = 3 * mapper.totalBins;
    this.countBase = 2 * mapper.totalBins;
    this.nBins = new Int32Array(nf);
    for (let f = 0; f < nf; f++) this.nBins[f] = mapper.nValueBins[f]! + 1;
    this.scratch = new Uint32Array(n);
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
        { bins, n, idx: this.idx, gh: this.gh, feats: this.feats, offsets, nBins, hist: this.workHist, countBase: this.countBase },
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
    const withCount = this.cfg.minChildCount > 0;
    const out = this.takeHist();
    if (this.workers && this.workHist) {
      this.workers.build(c.start, c.end, nSel, withCount);
      out.set(this.workHist);
    } else {
      buildHistogram(this.bins, this.n, idx, c.start, c.end, gh, this.feats, 0, nSel, this.mapper.offsets, this.nBins, out, withCount ? 1 : 0, this.countBase);
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
    for (let k = 0; k < nSel; k++) {
      const f = this.feats[k]!;
      const off = 2 * this.mapper.offsets[f]!;
      const coff = this.countBase + this.mapper.offsets[f]!;
      const nvb = this.mapper.nValueBins[f]!;
      const mo = off + 2 * nvb;
      const gm = hist[mo]!;
      const hm = hist[mo + 1]!;
      // rows in the missing bin: counts are only tracked with minChildCount; else infer from hessian
      const cm = minChildCount > 0 ? hist[coff + nvb]! : hm > 0 ? 1 : 0;
      const hasMissing = cm > 0 || hm > 0;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      // b = -1 with missing left: all values right
      if (hasMissing) {
        const gr = G - gm;
        const hr = H - hm;
        const cr = C - cm;
        if (hm >= minChildHess && hr >= minChildHess && cm >= minChildCount && cr >= minChildCount) {
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
        cl += hist[coff + b]!;
        // missing right
        let gr = G - gl;
        let hr = H - hl;
        let cr = C - cl;
        if (hl >= minChildHess && hr >= minChildHess && (minChildCount === 0 || (cl >= minChildCount && cr >= minChildCount))) {
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
          const gl2 = gl + gm;
          const hl2 = hl + hm;
          const cl2 = cl + cm;
          gr = G - gl2;
          hr = H - hl2;
          cr = C - cl2;
          if (hl2 >= minChildHess && hr >= minChildHess && (minChildCount === 0 || (cl2 >= minChildCount && cr >= minChildCount))) {
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
    if (c.feat >= 0 && best >= this.cfg.gamma) c.gain = best;
    else c.feat = -1;
  }

  /** Stable in-place partition of idx[start..end); returns the first right position. */
  private partition(c: Candidate): number {
    const { idx, scratch, n } = this;
    const f = c.feat;
    const base = f * n;
    const missing = this.mapper.nValueBins[f]!;
    const b = c.bin;
    const dl = c.defaultLeft;
    const bins = this.bins;
    let w = c.start;
    let k = 0;
    // branchless: the missing bin (nValueBins) is above every split bin, so `v <= b` sends it right
    for (let i = c.start; i < c.end; i++) {
      const r = idx[i]!;
      const v = bins[base + r]!;
      const lb = +(v <= b) | (dl & +(v === missing));
      idx[w] = r;
      scratch[k] = r;
      w += lb;
      k += 1 - lb;
    }
    for (let i = 0; i < k; i++) idx[w + i] = scratch[i]!;
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
    for (let i = 0; i < m; i++) {
      const r = this.idx[i]!;
      G += g[r]!;
      H += h[r]!;
    }
    const root: Candidate = { id: newNode(G, H), start: 0, end: m, depth: 0, g: G, h: H, hist: null, gain: 0, feat: -1, bin: -1, defaultLeft: 0, gl: 0, hl: 0 };
    const maxDepth = cfg.maxDepth;
    const canSplit = (depth: number): boolean => maxDepth === 0 || depth < maxDepth;
    const open: Candidate[] = [];
    if (canSplit(0) && m >= 2) {
      root.hist = this.buildHist(root, g, h, nSel);
      this.findSplit(root, nSel);
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
      const gr = c.g - gl;
      const hr = c.h - hl;
      const lid = newNode(gl, hl);
      const rid = newNode(gr, hr);
      const id = c.id;
      feature[id] = c.feat;
      const cuts = this.mapper.cuts[c.feat]!;
      threshold[id] = c.bin < 0 ? -Infinity : cuts[c.bin]!;
      left[id] = lid;
      right[id] = rid;
      defaultLeft[id] = c.defaultLeft;
      gain[id] = c.gain;
      splitBin[id] = c.bin;
      value[id] = 0;
      nLeaves++;
      const depth = c.depth + 1;
      const lc: Candidate = { id: lid, start: c.start, end: mid, depth, g: gl, h: hl, hist: null, gain: 0, feat: -1, bin: -1, defaultLeft: 0, gl: 0, hl: 0 };
      const rc: Candidate = { id: rid, start: mid, end: c.end, depth, g: gr, h: hr, hist: null, gain: 0, feat: -1, bin: -1, defaultLeft: 0, gl: 0, hl: 0 };
      const parentHist = c.hist!;
      c.hist = null;
      const nL = mid - c.start;
      const nR = c.end - mid;
      const needHist = canSplit(depth) && !(maxLeaves > 0 && nLeaves >= maxLeaves);
      if (needHist && (nL >= 2 || nR >= 2)) {
        const small = nL <= nR ? lc : rc;
        const large = small === lc ? rc : lc;
        small.hist = this.buildHist(small, g, h, nSel);
        // large = parent - small, in place in the parent's buffer (selected features only)
        const sh = small.hist;
        const withCount = cfg.minChildCount > 0;
        for (let k = 0; k < nSel; k++) {
          const f = this.feats[k]!;
          const a = 2 * this.mapper.offsets[f]!;
          const z = a + 2 * this.nBins[f]!;
          for (let j = a; j < z; j++) parentHist[j] = parentHist[j]! - sh[j]!;
          if (withCount) {
            const c0 = this.countBase + this.mapper.offsets[f]!;
            const c1 = c0 + this.nBins[f]!;
            for (let j = c0; j < c1; j++) parentHist[j] = parentHist[j]! - sh[j]!;
          }
        }
        large.hist = parentHist;
        this.findSplit(lc, nSel);
        this.findSplit(rc, nSel);
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
