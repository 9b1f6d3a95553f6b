import type { Tree, TreeEnsemble } from '../trees/tree.js';
import { ModelImportError, TreeBuilder } from './tree-builder.js';

const fail = (message: string): never => {
  throw new ModelImportError('lightgbm-text', message);
};

/** LightGBM's kZeroThreshold (1e-35f, a float constant widened to double). */
export const LIGHTGBM_ZERO_THRESHOLD = Math.fround(1e-35);

/** Upper bound on the nodes one imported tree may expand to (Zero-type chains duplicate subtrees). */
const MAX_NODES = 1 << 20;
const MISSING_NONE = 0;
const MISSING_ZERO = 1;
const MISSING_NAN = 2;

/** The largest double below x (x finite, non-zero). */
function nextDown(x: number): number {
  const buf = new Float64Array([x]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0] = x > 0 ? bits[0]! - 1n : bits[0]! + 1n;
  return buf[0]!;
}

function parseNum(s: string, where: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  const v = Number(t);
  if (t.length === 0 || Number.isNaN(v)) fail(`${where}: "${s}" is not a number`);
  return v;
}

function parseList(block: Map<string, string>, key: string, where: string, n: number, required = true): number[] | undefined {
  const raw = block.get(key);
  if (raw === undefined) {
    if (required) fail(`${where} has no "${key}=" line`);
    return undefined;
  }
  const parts = raw.trim().length ? raw.trim().split(/\s+/) : [];
  if (parts.length !== n) fail(`${where}.${key} has ${parts.length} values, expected ${n}`);
  return parts.map((p) => parseNum(p, `${where}.${key}`));
}

/**
 * Imports a LightGBM text model (`booster.save_model('m.txt')`, LightGBM 3.x/4.x) into a
 * {@link TreeEnsemble} with split rule 'le' (`x <= threshold`), double-precision comparisons
 * (LightGBM compares the double input with its double thresholds) and baseMargin 0 (LightGBM
 * folds the initial score into the first tree).
 *
 * Missing values follow LightGBM's `Tree::NumericalDecision` exactly. decision_type bits: 1 =
 * categorical, 2 = default left, bits 2-3 = missing type (0 None, 1 Zero, 2 NaN).
 * - NaN type: NaN goes to the default side; 0 is an ordinary value.
 * - None type: NaN is replaced by 0, so NaN goes where 0 goes (defaultLeft = 0 <= threshold).
 * - Zero type: NaN and 0 go to the default side.
 * LightGBM's predictor also drops every input with |x| <= 1e-35f before the trees see it (it reads
 * back as 0), so that band always goes where 0 goes. Where the band and the threshold disagree
 * (only possible for Zero type) the node becomes a chain of three splits on the same feature with
 * the two subtrees duplicated: predictions stay exact, TreeSHAP sees several splits there.
 * `average_output` (rf boosting) divides every leaf by the number of trees, so the summed margin is
 * LightGBM's averaged one. Leaf values already include shrinkage. Cover = leaf_count/internal_count
 * (what LightGBM's own TreeSHAP uses), gain = split_gain.
 *
 * @throws ModelImportError for malformed text, non-binary objectives, sigmoid != 1, multi-class,
 *   linear trees, and categorical splits (naming the feature).
 */
export function importLightGBMText(text: string): TreeEnsemble {
  if (typeof text !== 'string') fail(`text must be a string (the content of a model saved with save_model), got ${typeof text}`);
  const lines = text.split(/\r?\n/);
  if (!lines.length || lines[0]!.trim() !== 'tree') fail('first line must be "tree"; is this a LightGBM text model (save_model), not a JSON dump?');
  const header = new Map<string, string>();
  const flags = new Set<string>();
  let i = 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('Tree=') || line === 'end of trees') break;
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq < 0) flags.add(line);
    else header.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const numClass = Number(header.get('num_class') ?? '1');
  if (numClass !== 1) fail(`num_class=${header.get('num_class')}: multi-class models are not supported (binary only)`);
  const perIter = Number(header.get('num_tree_per_iteration') ?? '1');
  if (perIter !== 1) fail(`num_tree_per_iteration=${perIter}: only one tree per iteration (binary) is supported`);
  const objective = header.get('objective');
  if (objective === undefined) fail('header has no "objective=" line');
  const objParts = objective!.trim().split(/\s+/);
  if (objParts[0] !== 'binary') fail(`objective "${objective}" is not supported; only binary models can be imported`);
  const sig = objParts.find((p) => p.startsWith('sigmoid:'));
  if (sig !== undefined && Number(sig.slice('sigmoid:'.length)) !== 1) {
    fail(`objective "${objective}": sigmoid != 1 is not supported (train with the default sigmoid=1.0)`);
  }
  const maxFeatureIdx = Number(header.get('max_feature_idx'));
  if (!Number.isInteger(maxFeatureIdx) || maxFeatureIdx < 0) fail(`max_feature_idx must be a non-negative integer, got "${header.get('max_feature_idx')}"`);
  const nFeatures = maxFeatureIdx + 1;
  const namesRaw = header.get('feature_names');
  const featureNames = namesRaw !== undefined ? namesRaw.trim().split(/\s+/) : Array.from({ length: nFeatures }, (_, k) => `Column_${k}`);
  if (featureNames.length !== nFeatures) fail(`feature_names has ${featureNames.length} names for ${nFeatures} features`);

  // Tree blocks.
  const blocks: Map<string, string>[] = [];
  let current: Map<string, string> | undefined;
  let sawEnd = false;
  for (; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === 'end of trees') {
      sawEnd = true;
      break;
    }
    if (!line) continue;
    if (line.startsWith('Tree=')) {
      current = new Map();
      current.set('Tree', line.slice(5));
      blocks.push(current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !current) fail(`line ${i + 1}: unexpected "${line.slice(0, 60)}" in the tree section`);
    current!.set(line.slice(0, eq), line.slice(eq + 1));
  }
  if (!sawEnd) fail('missing "end of trees" line; the model text looks truncated');
  if (!blocks.length) fail('the model has no trees');
  const scale = flags.has('average_output') ? 1 / blocks.length : 1;
  const trees = blocks.map((blk) => convertTree(blk, nFeatures, featureNames, scale));
  return { trees, splitRule: 'le', link: 'logistic', baseMargin: 0, nFeatures, featureNames, float32Features: false };
}

function convertTree(blk: Map<string, string>, nFeatures: number, names: readonly string[], scale: number): Tree {
  const where = `Tree=${blk.get('Tree')}`;
  const numLeaves = Number(blk.get('num_leaves'));
  if (!Number.isInteger(numLeaves) || numLeaves < 1) fail(`${where}: num_leaves must be a positive integer, got "${blk.get('num_leaves')}"`);
  if (blk.get('is_linear') !== undefined && blk.get('is_linear')!.trim() !== '0') fail(`${where}: linear trees (linear_tree=true) are not supported`);
  const leafValue = parseList(blk, 'leaf_value', where, numLeaves)!;
  const leafCount = parseList(blk, 'leaf_count', where, numLeaves, false) ?? parseList(blk, 'leaf_weight', where, numLeaves, false);
  const b = new TreeBuilder();
  if (numLeaves === 1) {
    b.leaf(leafValue[0]! * scale, leafCount?.[0] ?? 0);
    return b.build();
  }
  const m = numLeaves - 1;
  const feat = parseList(blk, 'split_feature', where, m)!;
  const thr = parseList(blk, 'threshold', where, m)!;
  const dt = parseList(blk, 'decision_type', where, m)!;
  const lc = parseList(blk, 'left_child', where, m)!;
  const rc = parseList(blk, 'right_child', where, m)!;
  const gain = parseList(blk, 'split_gain', where, m, false) ?? new Array<number>(m).fill(0);
  const intCount = parseList(blk, 'internal_count', where, m, false) ?? parseList(blk, 'internal_weight', where, m, false);
  const intValue = parseList(blk, 'internal_value', where, m, false);
  for (let j = 0; j < m; j++) {
    const f = feat[j]!;
    if (!Number.isInteger(f) || f < 0 || f >= nFeatures) fail(`${where}: node ${j} splits on feature ${f}, outside [0, ${nFeatures})`);
    if (dt[j]! & 1) {
      fail(`${where}: node ${j} is a categorical split on feature "${names[f]}"; categorical splits are not supported (encode the feature numerically, or train without categorical_feature)`);
    }
  }
  const kz = LIGHTGBM_ZERO_THRESHOLD;
  const visits = new Uint8Array(m);
  const leafVisits = new Uint8Array(numLeaves);

  const coverOf = (ref: number): number => (ref >= 0 ? intCount?.[ref] ?? 0 : leafCount?.[~ref] ?? 0);
  // Emits the subtree rooted at LightGBM node `ref` (>= 0 internal, < 0 leaf ~ref); returns our index.
  // `dup` allows re-emitting a subtree (Zero-type chains copy subtrees).
  const emit = (ref: number, depth: number, dup: boolean): number => {
    if (b.size > MAX_NODES) fail(`${where}: zero_as_missing splits expand this tree beyond ${MAX_NODES} nodes; retrain without zero_as_missing`);
    if (depth > 3 * m + 1) fail(`${where}: child links form a cycle`);
    if (ref < 0) {
      const leaf = ~ref;
      if (leaf >= numLeaves) fail(`${where}: leaf index ${leaf} out of range [0, ${numLeaves})`);
      if (!dup && leafVisits[leaf]++) fail(`${where}: leaf ${leaf} is reached twice`);
      return b.leaf(leafValue[leaf]! * scale, coverOf(ref));
    }
    if (ref >= m) fail(`${where}: node index ${ref} out of range [0, ${m})`);
    if (!dup && visits[ref]++) fail(`${where}: node ${ref} is reached twice`);
    const f = feat[ref]!;
    const t = thr[ref]!;
    const d = dt[ref]!;
    const defLeft = (d & 2) !== 0;
    const missing = (d >> 2) & 3;
    const cover = coverOf(ref);
    const g = gain[ref]!;
    const iv = (intValue?.[ref] ?? 0) * scale;
    const simple = (threshold: number, dl: boolean): number => {
      const id = b.split(f, threshold, dl, cover, g, iv);
      const l = emit(lc[ref]!, depth + 1, dup);
      const r = emit(rc[ref]!, depth + 1, dup);
      b.setChildren(id, l, r);
      return id;
    };
    if (missing !== MISSING_NONE && missing !== MISSING_ZERO && missing !== MISSING_NAN) {
      fail(`${where}: node ${ref} has unknown missing type ${missing} in decision_type ${d}`);
    }
    // LightGBM's predictor drops inputs with |x| <= kz (they read back as 0), so the band
    // B = [-kz, kz] always goes where 0 goes; Zero type sends 0 (and NaN) to the default side.
    const zeroLeft = missing === MISSING_ZERO ? defLeft : 0 <= t;
    const nanLeft = missing === MISSING_NAN ? defLeft : zeroLeft;
    const belowBand = nextDown(-kz);
    if (zeroLeft && t >= kz) return simple(t, nanLeft);
    if (!zeroLeft && t < -kz) return simple(t, nanLeft);
    if (t >= -kz && t < kz) return simple(zeroLeft ? kz : belowBand, nanLeft);
    // The band and the threshold disagree: left = {x <= t} U B (zeroLeft) or {x < -kz} U (kz, t].
    // Chain A(x <= a ? L : Bn), Bn(x <= b ? R : C), C(x <= c ? L : R) with subtrees duplicated.
    const [ta, tb, tc] = zeroLeft ? [t, belowBand, kz] : [belowBand, kz, t];
    const a = b.split(f, ta, nanLeft, cover, g, iv);
    const l1 = emit(lc[ref]!, depth + 1, dup);
    const bn = b.split(f, tb, true, coverOf(rc[ref]!), 0, iv);
    const r1 = emit(rc[ref]!, depth + 1, dup);
    const c = b.split(f, tc, false, cover, 0, iv);
    const l2 = emit(lc[ref]!, depth + 1, true);
    const r2 = emit(rc[ref]!, depth + 1, true);
    b.setChildren(a, l1, bn);
    b.setChildren(bn, r1, c);
    b.setChildren(c, l2, r2);
    return a;
  };
  emit(0, 0, false);
  if (b.size > MAX_NODES) {
    fail(`${where}: zero_as_missing splits expand this tree to ${b.size} nodes (limit ${MAX_NODES}); retrain without zero_as_missing`);
  }
  for (let j = 0; j < m; j++) if (!visits[j]) fail(`${where}: node ${j} is not reachable from the root`);
  return b.build();
}
