import type { TreeEnsemble } from '../trees/tree.js';
import { encodeOnnxModel } from './onnx-model.js';
import { float32AtLeast, float32AtMost } from './float32-threshold.js';
import { OnnxGraphBuilder, ONNX_ML_DOMAIN, onnxAttr } from './graph-builder.js';

/**
 * Precision of the ONNX tree node (`TreeEnsemble`, ai.onnx.ml opset 5):
 * - 'double' (default): features, thresholds and leaf values in float64. Every branch decision is
 *   the float64 comparison our `leafIndex` makes, for any input, and leaves sum in float64.
 * - 'float': features, thresholds and leaves in float32 (half the size, the classic ONNX form).
 *   Thresholds are rounded in the direction that keeps every decision identical for
 *   float32-representable inputs (see float32-threshold.ts); leaf values are rounded to the
 *   nearest float32, so the margin differs by about 1e-7 per tree at most.
 */
export type TreePrecision = 'double' | 'float';

export interface EnsembleExportOptions {
  /** Name of the feature input, shape [N, nFeatures]. Default 'features'. */
  inputName?: string;
  /**
   * Element type of the feature input. Default 'float' (the usual ONNX contract). Our learners
   * see float64 features; a float input means the model answers for the float32-rounded row,
   * which is exactly what `ensembleProba` returns for that rounded row (the tests compare on
   * float32-representable rows). Use 'double' to feed float64 rows unchanged.
   */
  inputType?: 'float' | 'double';
  treePrecision?: TreePrecision;
}

/** The ensemble's trees flattened into the attribute arrays of ONNX `TreeEnsemble` (opset 5). */
export interface OnnxTreeArrays {
  treeRoots: number[];
  featureIds: number[];
  modes: number[];
  splits: number[];
  trueNodeIds: number[];
  trueLeafs: number[];
  falseNodeIds: number[];
  falseLeafs: number[];
  missingTracksTrue: number[];
  leafWeights: number[];
}

const MODE_BRANCH_LEQ = 0;
const MODE_BRANCH_LT = 1;
const AGGREGATE_AVERAGE = 0;
const AGGREGATE_SUM = 1;

/**
 * Converts our flat trees (node 0 = root, leaves have feature -1) to ONNX `TreeEnsemble` arrays.
 * Interior node i of a tree: "true" branch = our left child (ONNX takes the true branch when
 * `x < split` for BRANCH_LT or `x <= split` for BRANCH_LEQ, which is exactly when we go left);
 * `nodes_missing_value_tracks_true` = `defaultLeft` (NaN follows the true = left branch).
 * A tree that is a single leaf becomes one always-true interior node whose both branches reach
 * that leaf (TreeEnsemble roots must be interior nodes).
 *
 * @throws RangeError when a split feature is outside [0, nFeatures) or a child index is invalid.
 */
export function toOnnxTreeArrays(ensemble: TreeEnsemble, precision: TreePrecision): OnnxTreeArrays {
  const out: OnnxTreeArrays = {
    treeRoots: [],
    featureIds: [],
    modes: [],
    splits: [],
    trueNodeIds: [],
    trueLeafs: [],
    falseNodeIds: [],
    falseLeafs: [],
    missingTracksTrue: [],
    leafWeights: [],
  };
  const roundSplit =
    precision === 'double' ? (t: number): number => t : ensemble.splitRule === 'lt' ? float32AtLeast : float32AtMost;
  const roundLeaf = precision === 'double' ? (v: number): number => v : Math.fround;
  const mode = ensemble.splitRule === 'lt' ? MODE_BRANCH_LT : MODE_BRANCH_LEQ;

  ensemble.trees.forEach((tree, ti) => {
    const n = tree.feature.length;
    if (n === 0) throw new RangeError(`ensemble.trees[${ti}] has no nodes`);
    // Pass 1: number the reachable interior nodes and leaves (ONNX indices are global).
    const onnxIndex = new Int32Array(n).fill(-1);
    const order: number[] = [];
    const stack = [0];
    while (stack.length) {
      const i = stack.pop()!;
      if (i < 0 || i >= n) throw new RangeError(`ensemble.trees[${ti}]: child index ${i} is outside [0, ${n})`);
      if (onnxIndex[i] !== -1) throw new RangeError(`ensemble.trees[${ti}]: node ${i} is reached twice (not a tree)`);
      const f = tree.feature[i]!;
      if (f < 0) {
        onnxIndex[i] = out.leafWeights.length;
        out.leafWeights.push(roundLeaf(tree.value[i]!));
        continue;
      }
      if (f >= ensemble.nFeatures) {
        throw new RangeError(`ensemble.trees[${ti}] node ${i} splits on feature ${f}, but nFeatures is ${ensemble.nFeatures}`);
      }
      onnxIndex[i] = out.featureIds.length + order.length;
      order.push(i);
      stack.push(tree.right[i]!, tree.left[i]!);
    }
    if (order.length === 0) {
      // Single leaf: a dummy split whose both branches reach the leaf.
      if (ensemble.nFeatures < 1) throw new RangeError('ensemble.nFeatures must be at least 1 to export to ONNX');
      out.treeRoots.push(out.featureIds.length);
      out.featureIds.push(0);
      out.modes.push(MODE_BRANCH_LEQ);
      out.splits.push(0);
      out.trueNodeIds.push(onnxIndex[0]!);
      out.trueLeafs.push(1);
      out.falseNodeIds.push(onnxIndex[0]!);
      out.falseLeafs.push(1);
      out.missingTracksTrue.push(1);
      return;
    }
    out.treeRoots.push(onnxIndex[0]!);
    // Pass 2: interior nodes in numbering order.
    for (const i of order) {
      const l = tree.left[i]!;
      const r = tree.right[i]!;
      out.featureIds.push(tree.feature[i]!);
      out.modes.push(mode);
      out.splits.push(roundSplit(tree.threshold[i]!));
      out.trueNodeIds.push(onnxIndex[l]!);
      out.trueLeafs.push(tree.feature[l]! < 0 ? 1 : 0);
      out.falseNodeIds.push(onnxIndex[r]!);
      out.falseLeafs.push(tree.feature[r]! < 0 ? 1 : 0);
      out.missingTracksTrue.push(tree.defaultLeft[i] ? 1 : 0);
    }
  });
  return out;
}

/**
 * Appends the ensemble to graph `g`: `features` ([N, nFeatures], float or double) -> the
 * positive-class probability as a double [N, 1] value (its name is returned).
 * - 'logistic': TreeEnsemble (SUM) -> Add baseMargin -> Sigmoid, in float64.
 * - 'mean-probability': TreeEnsemble (AVERAGE).
 * When `ensemble.float32Features` is set, a double input is rounded to float32 first (Cast to
 * float), as our in-process prediction does with Math.fround. With `precision` 'float' a double
 * input is also cast to float: decisions then equal ours on the float32-rounded row.
 * `featureColumn[j]`, when given, is the column of `features` that holds the ensemble's feature j.
 */
export function addEnsembleNodes(
  g: OnnxGraphBuilder,
  ensemble: TreeEnsemble,
  features: string,
  featuresType: 'float' | 'double',
  precision: TreePrecision = 'double',
  featureColumn?: readonly number[],
): string {
  if (ensemble.trees.length === 0) throw new RangeError('ensemble.trees is empty: nothing to export');
  let x = features;
  let xType = featuresType;
  if (xType === 'double' && (ensemble.float32Features || precision === 'float')) {
    x = g.op1('Cast', [x], { to: 1 }, { name: 'round_f32' });
    xType = 'float';
  }
  if (precision === 'double' && xType === 'float') {
    x = g.op1('Cast', [x], { to: 11 }, { name: 'to_double' });
    xType = 'double';
  }
  const a = toOnnxTreeArrays(ensemble, precision);
  if (featureColumn !== undefined) a.featureIds = a.featureIds.map((f) => featureColumn[f]!);
  const t = precision === 'double' ? 'double' : 'float';
  const raw = g.op1(
    'TreeEnsemble',
    [x],
    {
      n_targets: 1,
      aggregate_function: ensemble.link === 'logistic' ? AGGREGATE_SUM : AGGREGATE_AVERAGE,
      post_transform: 0,
      tree_roots: onnxAttr.ints(a.treeRoots),
      nodes_featureids: onnxAttr.ints(a.featureIds),
      nodes_modes: onnxAttr.tensor('uint8', [a.modes.length], a.modes),
      nodes_splits: onnxAttr.tensor(t, [a.splits.length], a.splits),
      nodes_truenodeids: onnxAttr.ints(a.trueNodeIds),
      nodes_trueleafs: onnxAttr.ints(a.trueLeafs),
      nodes_falsenodeids: onnxAttr.ints(a.falseNodeIds),
      nodes_falseleafs: onnxAttr.ints(a.falseLeafs),
      nodes_missing_value_tracks_true: onnxAttr.ints(a.missingTracksTrue),
      leaf_targetids: onnxAttr.ints(new Array<number>(a.leafWeights.length).fill(0)),
      leaf_weights: onnxAttr.tensor(t, [a.leafWeights.length], a.leafWeights),
    },
    { domain: ONNX_ML_DOMAIN, name: 'trees' },
  );
  const rawD = t === 'double' ? raw : g.op1('Cast', [raw], { to: 11 }, { name: 'raw_double' });
  if (ensemble.link === 'mean-probability') return rawD;
  const margin = g.op1('Add', [rawD, g.scalar('double', ensemble.baseMargin)], {}, { name: 'margin' });
  return g.op1('Sigmoid', [margin], {}, { name: 'p1' });
}

/**
 * Appends the classifier outputs: `probabilities` float [N, 2] = [1 - p, p] and `label` int64 [N]
 * = ArgMax over the two columns (1 exactly when p > 1 - p; a tie gives 0). The label is derived
 * with ArgMax rather than taken from a classifier node's own label output (wrong for 2-class
 * ensembles in onnxruntime unless class weights follow the XGBoost convention).
 */
export function addClassifierOutputs(g: OnnxGraphBuilder, p1: string): void {
  const p0 = g.op1('Sub', [g.scalar('double', 1), p1], {}, { name: 'p0' });
  const both = g.op1('Concat', [p0, p1], { axis: 1 }, { name: 'proba_double' });
  const proba = g.op1('Cast', [both], { to: 1 }, { name: 'proba' });
  g.output(proba, 'float', ['N', 2], 'probabilities');
  const label = g.op1('ArgMax', [both], { axis: 1, keepdims: 0 }, { name: 'argmax' });
  g.output(label, 'int64', ['N'], 'label');
}

/**
 * Exports a tree ensemble as an ONNX model (bytes of a `.onnx` file).
 *
 * Inputs: `features` [N, nFeatures] (float by default, see `inputType`); NaN = missing, routed by
 * each node's default direction. Outputs: `probabilities` float [N, 2] (class 0, class 1) and
 * `label` int64 [N] (ArgMax). Opsets: default 21, ai.onnx.ml 5 (TreeEnsemble), IR 10.
 *
 * Precision: with the default `treePrecision: 'double'`, a float input is cast to double and the
 * trees compare against the exact float64 thresholds, so the decisions equal `ensembleProba` on
 * the same (float32-valued) row; the probability is computed in float64 and rounded to float32
 * once at the output (|error| <= 6e-8). With 'float', thresholds are rounded directionally
 * (float32AtLeast for 'lt', float32AtMost for 'le') so decisions stay identical for float32 inputs.
 *
 * @example
 * const bytes = exportEnsembleToOnnx(ensemble);
 * const session = await ort.InferenceSession.create(bytes);
 * const { probabilities } = await session.run({ features: new ort.Tensor('float32', x, [n, f]) });
 */
export function exportEnsembleToOnnx(ensemble: TreeEnsemble, options: EnsembleExportOptions = {}): Uint8Array {
  const inputType = options.inputType ?? 'float';
  const g = new OnnxGraphBuilder('tree_ensemble');
  const x = g.input(options.inputName ?? 'features', inputType, ['N', ensemble.nFeatures]);
  const p1 = addEnsembleNodes(g, ensemble, x, inputType, options.treePrecision ?? 'double');
  addClassifierOutputs(g, p1);
  return encodeOnnxModel(
    g.toModel({
      docString: `Tree ensemble (${ensemble.trees.length} trees, split rule ${ensemble.splitRule}, link ${ensemble.link}) exported by @mlops/ml`,
      metadata: { feature_names: JSON.stringify(ensemble.featureNames) },
    }),
  );
}
