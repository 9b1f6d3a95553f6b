import { Rng } from '../../core/random.js';
import type { SplitRule, Tree, TreeEnsemble, EnsembleLink } from '../../trees/tree.js';

/** Test helper: a random full-ish binary tree in our flat form with float64 thresholds. */
export function randomTree(rng: Rng, nFeatures: number, maxDepth: number, leafValue: () => number): Tree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const defaultLeft: number[] = [];
  const value: number[] = [];
  const grow = (depth: number): number => {
    const id = feature.length;
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    defaultLeft.push(0);
    value.push(0);
    if (depth >= maxDepth || (depth > 0 && rng.nextFloat() < 0.2)) {
      value[id] = leafValue();
      return id;
    }
    feature[id] = rng.nextInt(nFeatures);
    // Mostly float64 thresholds that are not float32-representable, some that are.
    const t = rng.nextFloat() * 10 - 5;
    threshold[id] = rng.nextFloat() < 0.2 ? Math.fround(t) : t;
    defaultLeft[id] = rng.nextFloat() < 0.5 ? 1 : 0;
    left[id] = grow(depth + 1);
    right[id] = grow(depth + 1);
    return id;
  };
  grow(0);
  const n = feature.length;
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    defaultLeft: Uint8Array.from(defaultLeft),
    value: Float64Array.from(value),
    cover: new Float64Array(n).fill(1),
    gain: new Float64Array(n),
  };
}

export function randomEnsemble(
  seed: number,
  opts: { nTrees: number; nFeatures: number; maxDepth: number; splitRule: SplitRule; link: EnsembleLink; float32Features?: boolean },
): TreeEnsemble {
  const rng = new Rng(seed);
  const leaf = opts.link === 'logistic' ? (): number => (rng.nextFloat() - 0.5) * 0.6 : (): number => rng.nextFloat();
  const trees = Array.from({ length: opts.nTrees }, () => randomTree(rng, opts.nFeatures, opts.maxDepth, leaf));
  return {
    trees,
    splitRule: opts.splitRule,
    link: opts.link,
    baseMargin: opts.link === 'logistic' ? -0.3141592653589793 : 0,
    nFeatures: opts.nFeatures,
    featureNames: Array.from({ length: opts.nFeatures }, (_, i) => `f${i}`),
    float32Features: opts.float32Features ?? false,
  };
}

/**
 * Rows (row-major, nFeatures wide) that probe every threshold: for each split, the float32 values
 * just below, at and just above it, plus NaN and random values. `float32Only` keeps only
 * float32-representable values (for float inputs); otherwise the exact float64 threshold is added.
 */
export function boundaryRows(e: TreeEnsemble, seed: number, nRows: number, float32Only: boolean): Float64Array {
  const rng = new Rng(seed);
  const probes: number[][] = Array.from({ length: e.nFeatures }, () => []);
  for (const t of e.trees) {
    for (let i = 0; i < t.feature.length; i++) {
      const f = t.feature[i]!;
      if (f < 0) continue;
      const th = t.threshold[i]!;
      const r = Math.fround(th);
      const bits = new Float32Array([r]);
      const u = new Int32Array(bits.buffer);
      const up = new Float32Array(1);
      const down = new Float32Array(1);
      new Int32Array(up.buffer)[0] = r > 0 ? u[0]! + 1 : u[0]! - 1;
      new Int32Array(down.buffer)[0] = r > 0 ? u[0]! - 1 : u[0]! + 1;
      probes[f]!.push(r, up[0]!, down[0]!);
      if (!float32Only) probes[f]!.push(th);
    }
  }
  const out = new Float64Array(nRows * e.nFeatures);
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < e.nFeatures; c++) {
      const u = rng.nextFloat();
      const p = probes[c]!;
      let v: number;
      if (u < 0.1) v = Number.NaN;
      else if (u < 0.8 && p.length) v = p[rng.nextInt(p.length)]!;
      else v = rng.nextFloat() * 12 - 6;
      out[r * e.nFeatures + c] = float32Only ? Math.fround(v) : v;
    }
  }
  return out;
}
