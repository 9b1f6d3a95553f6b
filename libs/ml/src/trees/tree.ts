/**
 * The one tree form every tree model uses: our gradient boosting and random forest, and models
 * imported from XGBoost JSON or LightGBM text. Prediction, TreeSHAP and ONNX export all read it.
 *
 * Flat arrays indexed by node id; node 0 is the root. A leaf has `feature[i] === -1`.
 * A row goes left when `x < threshold` (rule 'lt', XGBoost) or `x <= threshold` (rule 'le',
 * LightGBM and scikit-learn); a missing value (NaN) goes left when `defaultLeft[i] === 1`.
 */
export interface Tree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly defaultLeft: Uint8Array;
  /** Leaf output (margin contribution for boosting, positive-class probability for forests). */
  readonly value: Float64Array;
  /** Sum of hessians (boosting) or sample count/weight (forest) reaching the node; TreeSHAP needs it. */
  readonly cover: Float64Array;
  /** Loss reduction of the split at an internal node (0 at leaves); importance by gain. */
  readonly gain: Float64Array;
}

export type SplitRule = 'lt' | 'le';

/**
 * How leaf outputs combine:
 * - 'logistic': margin = baseMargin + sum of leaves, probability = sigmoid(margin) (boosting);
 * - 'mean-probability': probability = mean of leaves (random forest).
 */
export type EnsembleLink = 'logistic' | 'mean-probability';

export interface TreeEnsemble {
  readonly trees: readonly Tree[];
  readonly splitRule: SplitRule;
  readonly link: EnsembleLink;
  readonly baseMargin: number;
  readonly nFeatures: number;
  readonly featureNames: readonly string[];
  /**
   * Compare in float32 as XGBoost and LightGBM do (both store features as float32): the feature
   * value is rounded with Math.fround before comparing. Thresholds are stored as the source wrote them.
   */
  readonly float32Features: boolean;
}

/** Index of the leaf a row reaches. `x(c)` returns the row's value of feature c. */
export function leafIndex(tree: Tree, rule: SplitRule, f32: boolean, x: (c: number) => number): number {
  let node = 0;
  const { feature, threshold, left, right, defaultLeft } = tree;
  while (feature[node]! >= 0) {
    let v = x(feature[node]!);
    if (Number.isNaN(v)) {
      node = defaultLeft[node] ? left[node]! : right[node]!;
      continue;
    }
    if (f32) v = Math.fround(v);
    const t = threshold[node]!;
    const goLeft = rule === 'lt' ? v < t : v <= t;
    node = goLeft ? left[node]! : right[node]!;
  }
  return node;
}

/** Raw score of one row given as a dense feature vector (margin for 'logistic', mean probability otherwise). */
export function ensembleRaw(e: TreeEnsemble, row: ArrayLike<number>): number {
  const get = (c: number): number => row[c]!;
  let s = 0;
  for (const t of e.trees) s += t.value[leafIndex(t, e.splitRule, e.float32Features, get)]!;
  return e.link === 'logistic' ? e.baseMargin + s : e.trees.length ? s / e.trees.length : 0;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Positive-class probability of one row. */
export function ensembleProba(e: TreeEnsemble, row: ArrayLike<number>): number {
  const raw = ensembleRaw(e, row);
  return e.link === 'logistic' ? sigmoid(raw) : raw;
}
