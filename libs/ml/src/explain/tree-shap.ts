import type { Matrix } from '../core/matrix.js';
import type { Tree, TreeEnsemble } from '../trees/tree.js';

/**
 * SHAP values of a batch: `values[r * nFeatures + c]` is the contribution of feature c to row r,
 * and `baseValue + sum_c values[r * nFeatures + c]` equals the model's raw output for row r
 * (margin for 'logistic' ensembles, mean probability for 'mean-probability' ensembles).
 */
export interface ShapResult {
  readonly values: Float64Array;
  readonly baseValue: number;
  readonly rows: number;
  readonly nFeatures: number;
}

/** SHAP values of one row: `baseValue + sum(values)` = the model's raw output for the row. */
export interface RowShapResult {
  readonly values: Float64Array;
  readonly baseValue: number;
}

/** Error for inputs TreeSHAP cannot explain (bad shapes, trees without usable cover). */
export class TreeShapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeShapError';
  }
}

/** Per-ensemble data computed once: each tree's expected value and the deepest path. */
interface Prepared {
  readonly expected: Float64Array;
  readonly maxDepth: number;
  readonly baseValue: number;
  /** Leaf multiplier: 1 for 'logistic', 1/nTrees for 'mean-probability'. */
  readonly scale: number;
}

const preparedCache = new WeakMap<TreeEnsemble, Prepared>();

/**
 * Depth of the tree (edges on the longest root-to-leaf path) and its path-dependent expected value
 * E = sum over leaves of value(leaf) * prod over the path of cover(child) / cover(parent),
 * which is XGBoost's node-mean recursion mean(n) = (cover(l) mean(l) + cover(r) mean(r)) / cover(n).
 */
function inspectTree(t: Tree, index: number): { depth: number; expected: number } {
  const { feature, left, right, cover, value } = t;
  const n = feature.length;
  if (n === 0) throw new TreeShapError(`tree ${index} has no nodes`);
  const depth = new Int32Array(n);
  const weight = new Float64Array(n); // product of cover fractions from the root
  weight[0] = 1;
  let maxDepth = 0;
  let expected = 0;
  // Children always have larger ids than their parent in none of our guarantees, so walk with a stack.
  const stack: number[] = [0];
  let visited = 0;
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (++visited > n) throw new TreeShapError(`tree ${index} is not a tree (a node is reachable twice)`);
    if (feature[i]! < 0) {
      expected += weight[i]! * value[i]!;
      if (depth[i]! > maxDepth) maxDepth = depth[i]!;
      continue;
    }
    const l = left[i]!;
    const r = right[i]!;
    if (l <= 0 || r <= 0 || l >= n || r >= n)
      throw new TreeShapError(`tree ${index}: node ${i} has children ${l}, ${r} outside 1..${n - 1}`);
    const c = cover[i]!;
    if (!(c > 0))
      throw new TreeShapError(
        `tree ${index}: node ${i} has cover ${c}; TreeSHAP needs a positive cover (hessian sum or sample count) at every split`,
      );
    weight[l] = (weight[i]! * cover[l]!) / c;
    weight[r] = (weight[i]! * cover[r]!) / c;
    depth[l] = depth[i]! + 1;
    depth[r] = depth[i]! + 1;
    stack.push(r, l);
  }
  return { depth: maxDepth, expected };
}

function prepare(e: TreeEnsemble): Prepared {
  const cached = preparedCache.get(e);
  if (cached) return cached;
  const nTrees = e.trees.length;
  const expected = new Float64Array(nTrees);
  let maxDepth = 0;
  let sum = 0;
  for (let k = 0; k < nTrees; k++) {
    const info = inspectTree(e.trees[k]!, k);
    expected[k] = info.expected;
    sum += info.expected;
    if (info.depth > maxDepth) maxDepth = info.depth;
  }
  const mean = e.link === 'mean-probability';
  const p: Prepared = {
    expected,
    maxDepth,
    baseValue: mean ? (nTrees ? sum / nTrees : 0) : e.baseMargin + sum,
    scale: mean ? (nTrees ? 1 / nTrees : 0) : 1,
  };
  preparedCache.set(e, p);
  return p;
}

/**
 * The unique-path workspace of Algorithm 2: one path segment per recursion level, laid out back to
 * back in struct-of-arrays typed arrays (size (D+2)(D+3)/2 for trees of depth D), allocated once
 * per call and reused for every tree and row.
 */
class PathWorkspace {
  readonly feat: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly pw: Float64Array;
  /** recip[k] = 1 / k: the path weights' (i + 1) / (d + 1) factors without divisions. */
  readonly recip: Float64Array;

  // Current tree, row and output slot (set per tree/row; no allocation in the recursion).
  private tFeature: Int32Array = new Int32Array(0);
  private tThreshold: Float64Array = new Float64Array(0);
  private tLeft: Int32Array = new Int32Array(0);
  private tRight: Int32Array = new Int32Array(0);
  private tDefaultLeft: Uint8Array = new Uint8Array(0);
  private tValue: Float64Array = new Float64Array(0);
  private tCover: Float64Array = new Float64Array(0);
  private lt = true;
  private x: Float64Array;
  private phi: Float64Array = new Float64Array(0);
  private phiOffset = 0;
  private scale = 1;

  constructor(maxDepth: number, nFeatures: number) {
    const d = maxDepth + 2;
    const size = (d * (d + 1)) / 2;
    this.feat = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.pw = new Float64Array(size);
    this.recip = new Float64Array(d + 2);
    for (let k = 1; k < d + 2; k++) this.recip[k] = 1 / k;
    this.x = new Float64Array(nFeatures);
  }

  /** The row buffer (already float32-rounded when the ensemble compares in float32). */
  get row(): Float64Array {
    return this.x;
  }

  setOutput(phi: Float64Array, offset: number, scale: number): void {
    this.phi = phi;
    this.phiOffset = offset;
    this.scale = scale;
  }

  setTree(t: Tree, lt: boolean): void {
    this.tFeature = t.feature;
    this.tThreshold = t.threshold;
    this.tLeft = t.left;
    this.tRight = t.right;
    this.tDefaultLeft = t.defaultLeft;
    this.tValue = t.value;
    this.tCover = t.cover;
    this.lt = lt;
  }

  /** Adds this tree's SHAP values for the current row into phi. */
  run(): void {
    if (this.tFeature[0]! < 0) return; // a single leaf explains nothing: its value is the expectation
    this.recurse(0, 0, 0, 0, 1, 1, -1);
  }

  /** ExtendPath: grow the path at `off` (length d) by one element. */
  private extend(off: number, d: number, zf: number, of: number, fi: number): void {
    const { feat, zero, one, pw, recip } = this;
    feat[off + d] = fi;
    zero[off + d] = zf;
    one[off + d] = of;
    pw[off + d] = d === 0 ? 1 : 0;
    const inv = recip[d + 1]!;
    for (let i = d - 1; i >= 0; i--) {
      const p = pw[off + i]!;
      pw[off + i + 1]! += of * p * (i + 1) * inv;
      pw[off + i] = zf * p * (d - i) * inv;
    }
  }

  /** UnwindPath: remove element `pi` from the path at `off` (last index d). */
  private unwind(off: number, d: number, pi: number): void {
    const { feat, zero, one, pw, recip } = this;
    const of = one[off + pi]!;
    const zf = zero[off + pi]!;
    let next = pw[off + d]!;
    const dp1 = d + 1;
    const invD = recip[dp1]!;
    if (of !== 0) {
      const invOne = 1 / of;
      for (let i = d - 1; i >= 0; i--) {
        const tmp = pw[off + i]!;
        const w = next * dp1 * recip[i + 1]! * invOne;
        pw[off + i] = w;
        next = tmp - w * zf * (d - i) * invD;
      }
    } else {
      const invZero = 1 / zf;
      for (let i = d - 1; i >= 0; i--) pw[off + i] = pw[off + i]! * dp1 * invZero * recip[d - i]!;
    }
    for (let i = pi; i < d; i++) {
      feat[off + i] = feat[off + i + 1]!;
      zero[off + i] = zero[off + i + 1]!;
      one[off + i] = one[off + i + 1]!;
    }
  }

  /**
   * At a leaf: for every path element i >= 1, UnwoundPathSum (the total permutation weight of the
   * path without element i) times (one - zero) times the leaf value, added to phi[feature].
   */
  private leaf(off: number, d: number, v: number): void {
    const { feat, zero, one, pw, recip, phi } = this;
    const base = this.phiOffset;
    const dp1 = d + 1;
    const invD = recip[dp1]!;
    const last = pw[off + d]!;
    // For an element with one fraction 0 the unwound sum is (d + 1) / zero * sum_i pw[i] / (d - i),
    // the same sum for every such element: computed once per leaf.
    let coldSum = -1;
    for (let k = 1; k <= d; k++) {
      const of = one[off + k]!;
      const zf = zero[off + k]!;
      let total = 0;
      if (of !== 0) {
        const invOne = 1 / of;
        let next = last;
        for (let i = d - 1; i >= 0; i--) {
          const tmp = next * dp1 * recip[i + 1]! * invOne;
          total += tmp;
          next = pw[off + i]! - tmp * zf * (d - i) * invD;
        }
      } else {
        if (coldSum < 0) {
          coldSum = 0;
          for (let i = d - 1; i >= 0; i--) coldSum += pw[off + i]! * recip[d - i]!;
        }
        total = (coldSum * dp1) / zf;
      }
      phi[base + feat[off + k]!]! += total * (of - zf) * v;
    }
  }

  /**
   * Algorithm 2's RECURSE: `parentOff` is where the parent's path starts, `d` the unique depth.
   * The child's path is a copy at parentOff + d + 1 (xgboost's layout).
   */
  private recurse(
    node: number,
    parentOff: number,
    off: number,
    d: number,
    pz: number,
    po: number,
    pf: number,
  ): void {
    const { feat, zero, one, pw } = this;
    if (d > 0) {
      for (let i = 0; i < d; i++) {
        feat[off + i] = feat[parentOff + i]!;
        zero[off + i] = zero[parentOff + i]!;
        one[off + i] = one[parentOff + i]!;
        pw[off + i] = pw[parentOff + i]!;
      }
    }
    this.extend(off, d, pz, po, pf);
    const f = this.tFeature[node]!;
    if (f < 0) {
      this.leaf(off, d, this.tValue[node]! * this.scale);
      return;
    }
    const xv = this.x[f]!;
    const l = this.tLeft[node]!;
    const r = this.tRight[node]!;
    let goLeft: boolean;
    if (xv !== xv) goLeft = this.tDefaultLeft[node] === 1;
    else goLeft = this.lt ? xv < this.tThreshold[node]! : xv <= this.tThreshold[node]!;
    const hot = goLeft ? l : r;
    const cold = goLeft ? r : l;
    const cover = this.tCover;
    const w = cover[node]!;
    const hotZero = cover[hot]! / w;
    const coldZero = cover[cold]! / w;
    let inZero = 1;
    let inOne = 1;
    // Already split on this feature along the path: undo that split and carry its fractions.
    let pi = 0;
    for (; pi <= d; pi++) if (feat[off + pi] === f) break;
    let dd = d;
    if (pi !== d + 1) {
      inZero = zero[off + pi]!;
      inOne = one[off + pi]!;
      this.unwind(off, d, pi);
      dd -= 1;
    }
    const childOff = off + d + 1;
    this.recurse(hot, off, childOff, dd + 1, hotZero * inZero, inOne, f);
    this.recurse(cold, off, childOff, dd + 1, coldZero * inZero, 0, f);
  }
}

function checkEnsemble(e: TreeEnsemble, fn: string): void {
  if (!e || !Array.isArray(e.trees))
    throw new TreeShapError(`${fn}: ensemble must be a TreeEnsemble with a trees array`);
  if (!Number.isInteger(e.nFeatures) || e.nFeatures < 0)
    throw new TreeShapError(`${fn}: ensemble.nFeatures must be a non-negative integer, got ${e.nFeatures}`);
}

/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion et al. 2018, "Consistent Individualized Feature
 * Attribution for Tree Ensembles", Algorithm 2), as shap's `TreeExplainer(model,
 * feature_perturbation="tree_path_dependent")`, XGBoost's `predict(pred_contribs=True)` and
 * LightGBM's `predict(pred_contrib=True)`.
 *
 * Shapes: `x` is a column-major {@link Matrix} with `x.cols === ensemble.nFeatures`; the result's
 * `values` is row-major `[x.rows * nFeatures]`.
 *
 * Output explained: the margin `baseMargin + sum of leaves` for 'logistic' ensembles, the mean leaf
 * value (probability) for 'mean-probability' ensembles (each tree's values divided by the number of
 * trees). `baseValue` is XGBoost's bias term: baseMargin + sum over trees of the cover-weighted mean
 * leaf value (for 'mean-probability': the mean over trees of that mean), so for every row
 * `baseValue + sum_c values[r, c] = raw output` (additivity, up to floating-point rounding).
 *
 * Path fractions use node cover (hessian sum for boosting, sample weight/count for forests).
 * NaN follows `defaultLeft`; with `float32Features` the value is rounded by Math.fround before
 * comparison, as {@link leafIndex} does. Cost O(rows * trees * leaves * depth^2); the path
 * workspace is allocated once per call, nothing is allocated per node.
 */
export function shapValues(ensemble: TreeEnsemble, x: Matrix): ShapResult {
  checkEnsemble(ensemble, 'shapValues');
  if (!x || !(x.data instanceof Float64Array))
    throw new TreeShapError('shapValues: x must be a Matrix (column-major Float64Array data)');
  const nF = ensemble.nFeatures;
  if (x.cols !== nF)
    throw new TreeShapError(
      `shapValues: x has ${x.cols} columns but the ensemble has ${nF} features; pass the matrix the model was trained on (same columns, same order)`,
    );
  const p = prepare(ensemble);
  const rows = x.rows;
  const values = new Float64Array(rows * nF);
  const ws = new PathWorkspace(p.maxDepth, nF);
  const row = ws.row;
  const f32 = ensemble.float32Features;
  const lt = ensemble.splitRule === 'lt';
  const trees = ensemble.trees;
  const data = x.data;
  // Batches of rows per tree keep one tree's arrays hot in cache while walking the rows.
  const BLOCK = 64;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = Math.min(rows, r0 + BLOCK);
    for (let k = 0; k < trees.length; k++) {
      ws.setTree(trees[k]!, lt);
      for (let r = r0; r < r1; r++) {
        for (let c = 0; c < nF; c++) {
          const v = data[c * rows + r]!;
          row[c] = f32 ? Math.fround(v) : v;
        }
        ws.setOutput(values, r * nF, p.scale);
        ws.run();
      }
    }
  }
  return { values, baseValue: p.baseValue, rows, nFeatures: nF };
}

/**
 * TreeSHAP for one row given as a dense feature vector (length `ensemble.nFeatures`, NaN = missing):
 * `values[c]` per feature, `baseValue + sum(values)` = the row's raw output. Same semantics as
 * {@link shapValues}; the per-ensemble preparation (expected values, depth) is cached, so this is
 * the serving path for one request.
 */
export function shapValuesRow(ensemble: TreeEnsemble, row: ArrayLike<number>): RowShapResult {
  checkEnsemble(ensemble, 'shapValuesRow');
  const nF = ensemble.nFeatures;
  if (!row || row.length !== nF)
    throw new TreeShapError(
      `shapValuesRow: row has ${row ? row.length : 0} values but the ensemble has ${nF} features`,
    );
  const p = prepare(ensemble);
  const values = new Float64Array(nF);
  const ws = new PathWorkspace(p.maxDepth, nF);
  const buf = ws.row;
  const f32 = ensemble.float32Features;
  for (let c = 0; c < nF; c++) {
    const v = Number(row[c]);
    buf[c] = f32 ? Math.fround(v) : v;
  }
  const lt = ensemble.splitRule === 'lt';
  ws.setOutput(values, 0, p.scale);
  for (const t of ensemble.trees) {
    ws.setTree(t, lt);
    ws.run();
  }
  return { values, baseValue: p.baseValue };
}

/**
 * The SHAP base value alone (expected raw output under the trees' cover distribution): XGBoost's
 * bias column of `pred_contribs`, shap's `TreeExplainer.expected_value`.
 */
export function shapBaseValue(ensemble: TreeEnsemble): number {
  checkEnsemble(ensemble, 'shapBaseValue');
  return prepare(ensemble).baseValue;
}
