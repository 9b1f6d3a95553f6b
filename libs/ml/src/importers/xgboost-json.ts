import type { Tree, TreeEnsemble } from '../trees/tree.js';
import { ModelImportError, TreeBuilder } from './tree-builder.js';

const fail = (message: string): never => {
  throw new ModelImportError('xgboost-json', message);
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(obj: Record<string, unknown>, key: string, where: string): Record<string, unknown> {
  const v = obj[key];
  if (!isRecord(v)) fail(`missing object "${where}.${key}"; is this a file written by XGBoost's save_model('model.json')?`);
  return v as Record<string, unknown>;
}

function numArray(obj: Record<string, unknown>, key: string, where: string, n: number): number[] {
  const v = obj[key];
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number')) {
    fail(`${where}.${key} must be an array of ${n} numbers`);
  }
  return v as number[];
}

/**
 * Parses XGBoost's `base_score`: a decimal string ("5E-1", XGBoost < 3) or a one-element vector
 * string ("[5E-1]", XGBoost 3). Multi-element vectors (multi-target models) are rejected.
 */
export function parseXGBoostBaseScore(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw !== 'string') return fail(`learner_model_param.base_score must be a string, got ${typeof raw}`);
  let s = raw.trim();
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) fail(`learner_model_param.base_score "${raw}" is not a valid vector`);
    const parts = s.slice(1, -1).split(',').map((p) => p.trim()).filter((p) => p.length > 0);
    if (parts.length !== 1) fail(`learner_model_param.base_score "${raw}" has ${parts.length} values; only single-target binary models are supported`);
    s = parts[0]!;
  }
  const v = Number(s);
  if (s.length === 0 || !Number.isFinite(v)) fail(`learner_model_param.base_score "${raw}" is not a number`);
  return v;
}

/**
 * Imports an XGBoost model saved as JSON (`booster.save_model('m.json')`, XGBoost >= 1.0, including
 * 2.x and 3.x) into a {@link TreeEnsemble}.
 *
 * Supported: objective `binary:logistic`, booster `gbtree` (any `num_parallel_tree`), numerical
 * splits. Split rule 'lt' (`x < split_condition`), features compared in float32 as XGBoost does
 * (thresholds are float32 values, restored exactly with Math.fround), NaN follows `default_left`.
 * Leaf value = `split_conditions[leaf]`; cover = `sum_hessian`; gain = `loss_changes`.
 * `base_score` is a probability for binary:logistic; baseMargin = logit(base_score).
 *
 * @param source the JSON text or the already-parsed object
 * @throws ModelImportError naming the bad field for malformed input, other objectives, dart/gblinear
 *   boosters, categorical splits (naming the feature) and multi-target models.
 */
export function importXGBoostJson(source: string | unknown): TreeEnsemble {
  let doc: unknown = source;
  if (typeof source === 'string') {
    try {
      doc = JSON.parse(source);
    } catch (e) {
      fail(`input is not valid JSON (${(e as Error).message}); pass the text of a model saved with save_model('model.json') (UBJSON .ubj files are not supported)`);
    }
  }
  if (!isRecord(doc)) return fail('input must be a JSON object with a "learner" field');
  const learner = field(doc, 'learner', 'model');
  const objective = field(learner, 'objective', 'learner');
  if (objective['name'] !== 'binary:logistic') {
    fail(`objective "${String(objective['name'])}" is not supported; only binary:logistic models can be imported`);
  }
  const booster = field(learner, 'gradient_booster', 'learner');
  if (booster['name'] !== 'gbtree') {
    fail(`booster "${String(booster['name'])}" is not supported; only gbtree (not dart or gblinear) can be imported`);
  }
  const model = field(booster, 'model', 'learner.gradient_booster');
  const mparam = field(learner, 'learner_model_param', 'learner');
  const nFeatures = Number(mparam['num_feature']);
  if (!Number.isInteger(nFeatures) || nFeatures <= 0) fail(`learner_model_param.num_feature must be a positive integer, got ${String(mparam['num_feature'])}`);
  const numClass = Number(mparam['num_class'] ?? 0);
  if (numClass > 1) fail(`num_class ${numClass}: multi-class models are not supported (binary only)`);
  const numTarget = Number(mparam['num_target'] ?? 1);
  if (numTarget > 1) fail(`num_target ${numTarget}: multi-target models are not supported`);
  const baseScore = parseXGBoostBaseScore(mparam['base_score']);
  if (!(baseScore > 0 && baseScore < 1)) fail(`base_score ${baseScore} must lie in (0, 1) for binary:logistic`);
  const baseMargin = Math.log(baseScore / (1 - baseScore));

  const rawNames = learner['feature_names'];
  let featureNames: string[];
  if (Array.isArray(rawNames) && rawNames.length > 0) {
    if (rawNames.length !== nFeatures || !rawNames.every((n) => typeof n === 'string')) {
      fail(`learner.feature_names has ${rawNames.length} entries for ${nFeatures} features`);
    }
    featureNames = rawNames as string[];
  } else {
    featureNames = Array.from({ length: nFeatures }, (_, i) => `f${i}`);
  }

  const trees = model['trees'];
  if (!Array.isArray(trees)) return fail('learner.gradient_booster.model.trees must be an array');
  const out: Tree[] = trees.map((t, i) => convertTree(t, i, nFeatures, featureNames));
  return { trees: out, splitRule: 'lt', link: 'logistic', baseMargin, nFeatures, featureNames, float32Features: true };
}

function convertTree(raw: unknown, index: number, nFeatures: number, names: readonly string[]): Tree {
  const where = `trees[${index}]`;
  if (!isRecord(raw)) return fail(`${where} must be an object`);
  const tp = field(raw, 'tree_param', where);
  const n = Number(tp['num_nodes']);
  if (!Number.isInteger(n) || n < 1) fail(`${where}.tree_param.num_nodes must be a positive integer`);
  if (Number(tp['size_leaf_vector'] ?? 1) > 1) fail(`${where} has vector leaves (multi-target); not supported`);
  const left = numArray(raw, 'left_children', where, n);
  const right = numArray(raw, 'right_children', where, n);
  const splitIdx = numArray(raw, 'split_indices', where, n);
  const cond = numArray(raw, 'split_conditions', where, n);
  const defLeft = numArray(raw, 'default_left', where, n);
  const hess = numArray(raw, 'sum_hessian', where, n);
  const loss = numArray(raw, 'loss_changes', where, n);
  const splitType = Array.isArray(raw['split_type']) ? (raw['split_type'] as unknown[]) : [];

  const b = new TreeBuilder();
  const seen = new Uint8Array(n);
  // Iterative pre-order walk from the root; unreachable (deleted) nodes are dropped.
  const emit = (root: number): number => {
    const stack: { src: number; parent: number; isLeft: boolean }[] = [{ src: root, parent: -1, isLeft: false }];
    let rootId = -1;
    const pending = new Map<number, { l: number; r: number }>();
    while (stack.length) {
      const { src, parent, isLeft } = stack.pop()!;
      if (!Number.isInteger(src) || src < 0 || src >= n) fail(`${where}: child index ${src} is out of range [0, ${n})`);
      if (seen[src]) fail(`${where}: node ${src} is reached twice; the tree is not a tree`);
      seen[src] = 1;
      let id: number;
      if (left[src] === -1) {
        if (right[src] !== -1) fail(`${where}: node ${src} has right child ${right[src]} but no left child`);
        id = b.leaf(cond[src]!, hess[src]!);
      } else {
        const f = splitIdx[src]!;
        if (!Number.isInteger(f) || f < 0 || f >= nFeatures) fail(`${where}: node ${src} splits on feature ${f}, outside [0, ${nFeatures})`);
        if (splitType[src] !== undefined && splitType[src] !== 0) {
          fail(`${where}: node ${src} is a categorical split on feature "${names[f]}"; categorical splits are not supported (one-hot or ordinal-encode the feature before training)`);
        }
        id = b.split(f, Math.fround(cond[src]!), defLeft[src] === 1, hess[src]!, loss[src]!);
        pending.set(id, { l: -1, r: -1 });
        // push right first so the left subtree is emitted first (pre-order)
        stack.push({ src: right[src]!, parent: id, isLeft: false }, { src: left[src]!, parent: id, isLeft: true });
      }
      if (parent < 0) rootId = id;
      else {
        const p = pending.get(parent)!;
        if (isLeft) p.l = id;
        else p.r = id;
        if (p.l >= 0 && p.r >= 0) b.setChildren(parent, p.l, p.r);
      }
    }
    return rootId;
  };
  emit(0);
  return b.build();
}
