/**
 * Hyperparameters of {@link GradientBoostingClassifier}.
 *
 * Two growth policies, each with the parameter names and defaults its users know:
 * - `'depthwise'` (XGBoost `tree_method=hist`, `grow_policy=depthwise`): nEstimators,
 *   maxDepth (6), learningRate (0.3), subsample, colsampleBytree, minChildWeight (1), lambda (1),
 *   alpha (0), gamma (0).
 * - `'lossguide'` (LightGBM leaf-wise): nEstimators, numLeaves (31), maxDepth (-1 = unlimited),
 *   learningRate (0.1), featureFraction, baggingFraction + baggingFreq, minDataInLeaf (20),
 *   minSumHessianInLeaf (1e-3), lambdaL2 (0), lambdaL1 (0), minGainToSplit (0).
 * Passing a parameter of the other policy is an error (it would silently do nothing).
 */
export interface GradientBoostingParams {
  growPolicy?: 'depthwise' | 'lossguide';
  nEstimators?: number;
  learningRate?: number;
  /** Depth limit; depthwise >= 1 (default 6), lossguide -1 = unlimited (default). */
  maxDepth?: number;
  /** Total histogram bins per feature including the missing-value bin, 2..256 (default 256). */
  maxBin?: number;
  /** Rows sampled to compute the quantile bin edges (LightGBM's bin_construct_sample_cnt). */
  binSampleRows?: number;
  earlyStoppingRounds?: number;
  randomState?: number;
  /** Worker threads for histogram building; 1 = main thread only. */
  nThreads?: number;
  /** Use worker threads only when rows * features is at least this (thread start-up costs ~30 ms). */
  threadMinCells?: number;
  // depthwise (XGBoost)
  subsample?: number;
  colsampleBytree?: number;
  minChildWeight?: number;
  lambda?: number;
  alpha?: number;
  gamma?: number;
  // lossguide (LightGBM)
  numLeaves?: number;
  featureFraction?: number;
  baggingFraction?: number;
  baggingFreq?: number;
  /**
   * Minimum rows per leaf, checked as LightGBM does: on counts estimated from hessians,
   * `cnt = round(sum of h in the child * rows in node / sum of h in node)` (feature_histogram.hpp),
   * not on real rows; a child of rows with above-average hessians can have fewer real rows.
   */
  minDataInLeaf?: number;
  minSumHessianInLeaf?: number;
  lambdaL2?: number;
  lambdaL1?: number;
  minGainToSplit?: number;
}

export type ResolvedGradientBoostingParams = Required<GradientBoostingParams>;

const COMMON_KEYS = [
  'growPolicy',
  'nEstimators',
  'learningRate',
  'maxDepth',
  'maxBin',
  'binSampleRows',
  'earlyStoppingRounds',
  'randomState',
  'nThreads',
  'threadMinCells',
] as const;
const DEPTHWISE_KEYS = ['subsample', 'colsampleBytree', 'minChildWeight', 'lambda', 'alpha', 'gamma'] as const;
const LOSSGUIDE_KEYS = [
  'numLeaves',
  'featureFraction',
  'baggingFraction',
  'baggingFreq',
  'minDataInLeaf',
  'minSumHessianInLeaf',
  'lambdaL2',
  'lambdaL1',
  'minGainToSplit',
] as const;

/** Normalized training configuration both policies map to. */
export interface GrowConfig {
  policy: 'depthwise' | 'lossguide';
  nEstimators: number;
  eta: number;
  /** 0 = unlimited. */
  maxDepth: number;
  /** 0 = unlimited. */
  maxLeaves: number;
  rowFraction: number;
  /** Resample rows every k trees; 0 = never sample. */
  rowFreq: number;
  colFraction: number;
  minChildHess: number;
  minChildCount: number;
  lambda: number;
  alpha: number;
  gamma: number;
  maxBin: number;
  binSampleRows: number;
  earlyStoppingRounds: number;
  seed: number;
  nThreads: number;
  threadMinCells: number;
}

function checkNumber(
  name: string,
  v: unknown,
  opts: { min?: number; max?: number; minExclusive?: boolean; integer?: boolean; hint: string },
): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new RangeError(`${name} must be a finite number, got ${String(v)}: ${opts.hint}`);
  }
  if (opts.integer && !Number.isInteger(v)) throw new RangeError(`${name} must be an integer, got ${v}: ${opts.hint}`);
  if (opts.min !== undefined && (opts.minExclusive ? v <= opts.min : v < opts.min)) {
    throw new RangeError(`${name} must be ${opts.minExclusive ? '>' : '>='} ${opts.min}, got ${v}: ${opts.hint}`);
  }
  if (opts.max !== undefined && v > opts.max) throw new RangeError(`${name} must be <= ${opts.max}, got ${v}: ${opts.hint}`);
}

/**
 * Fills defaults and validates; errors name the parameter and the accepted range.
 * @throws RangeError on a bad value or a parameter of the other growth policy.
 */
export function resolveParams(p: GradientBoostingParams): ResolvedGradientBoostingParams {
  const policy = p.growPolicy ?? 'depthwise';
  if (policy !== 'depthwise' && policy !== 'lossguide') {
    throw new RangeError(`growPolicy must be 'depthwise' or 'lossguide', got ${String(policy)}`);
  }
  const known = new Set<string>([...COMMON_KEYS, ...DEPTHWISE_KEYS, ...LOSSGUIDE_KEYS]);
  for (const k of Object.keys(p)) {
    if (!known.has(k)) throw new RangeError(`unknown parameter ${k} for GradientBoostingClassifier`);
    const v = (p as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (policy === 'depthwise' && (LOSSGUIDE_KEYS as readonly string[]).includes(k)) {
      throw new RangeError(`${k} is a growPolicy 'lossguide' (LightGBM) parameter; with 'depthwise' use the XGBoost names (${DEPTHWISE_KEYS.join(', ')})`);
    }
    if (policy === 'lossguide' && (DEPTHWISE_KEYS as readonly string[]).includes(k)) {
      throw new RangeError(`${k} is a growPolicy 'depthwise' (XGBoost) parameter; with 'lossguide' use the LightGBM names (${LOSSGUIDE_KEYS.join(', ')})`);
    }
  }
  const lossguide = policy === 'lossguide';
  const r: ResolvedGradientBoostingParams = {
    growPolicy: policy,
    nEstimators: p.nEstimators ?? 100,
    learningRate: p.learningRate ?? (lossguide ? 0.1 : 0.3),
    maxDepth: p.maxDepth ?? (lossguide ? -1 : 6),
    maxBin: p.maxBin ?? 256,
    binSampleRows: p.binSampleRows ?? 200000,
    earlyStoppingRounds: p.earlyStoppingRounds ?? 0,
    randomState: p.randomState ?? 0,
    nThreads: p.nThreads ?? 1,
    threadMinCells: p.threadMinCells ?? 2_000_000,
    subsample: p.subsample ?? 1,
    colsampleBytree: p.colsampleBytree ?? 1,
    minChildWeight: p.minChildWeight ?? 1,
    lambda: p.lambda ?? 1,
    alpha: p.alpha ?? 0,
    gamma: p.gamma ?? 0,
    numLeaves: p.numLeaves ?? 31,
    featureFraction: p.featureFraction ?? 1,
    baggingFraction: p.baggingFraction ?? 1,
    baggingFreq: p.baggingFreq ?? 0,
    minDataInLeaf: p.minDataInLeaf ?? 20,
    minSumHessianInLeaf: p.minSumHessianInLeaf ?? 1e-3,
    lambdaL2: p.lambdaL2 ?? 0,
    lambdaL1: p.lambdaL1 ?? 0,
    minGainToSplit: p.minGainToSplit ?? 0,
  };
  checkNumber('nEstimators', r.nEstimators, { min: 1, integer: true, hint: 'the number of boosting rounds, e.g. 100' });
  checkNumber('learningRate', r.learningRate, { min: 0, minExclusive: true, max: 1, hint: 'shrinkage in (0, 1], e.g. 0.1' });
  if (lossguide) {
    checkNumber('maxDepth', r.maxDepth, { min: -1, integer: true, hint: '-1 for unlimited or a depth >= 1' });
    if (r.maxDepth === 0) throw new RangeError('maxDepth must be -1 (unlimited) or >= 1, got 0');
  } else {
    checkNumber('maxDepth', r.maxDepth, { min: 1, max: 30, integer: true, hint: 'a depth in [1, 30], e.g. 6' });
  }
  checkNumber('maxBin', r.maxBin, { min: 2, max: 256, integer: true, hint: 'bins per feature incl. the missing bin, e.g. 256' });
  checkNumber('binSampleRows', r.binSampleRows, { min: 1, integer: true, hint: 'rows used for bin edges, e.g. 200000' });
  checkNumber('earlyStoppingRounds', r.earlyStoppingRounds, { min: 0, integer: true, hint: '0 disables early stopping' });
  checkNumber('randomState', r.randomState, { integer: true, hint: 'an integer seed' });
  checkNumber('nThreads', r.nThreads, { min: 1, max: 64, integer: true, hint: 'worker threads, e.g. 1 or 2' });
  checkNumber('threadMinCells', r.threadMinCells, { min: 0, hint: 'rows * features above which threads are used' });
  checkNumber('subsample', r.subsample, { min: 0, minExclusive: true, max: 1, hint: 'row fraction per tree in (0, 1]' });
  checkNumber('colsampleBytree', r.colsampleBytree, { min: 0, minExclusive: true, max: 1, hint: 'feature fraction per tree in (0, 1]' });
  checkNumber('minChildWeight', r.minChildWeight, { min: 0, hint: 'minimum hessian sum in a child, e.g. 1' });
  checkNumber('lambda', r.lambda, { min: 0, hint: 'L2 regularization on leaf weights, e.g. 1' });
  checkNumber('alpha', r.alpha, { min: 0, hint: 'L1 regularization on leaf weights, e.g. 0' });
  checkNumber('gamma', r.gamma, { min: 0, hint: 'minimum loss reduction to split, e.g. 0' });
  checkNumber('numLeaves', r.numLeaves, { min: 2, max: 131072, integer: true, hint: 'maximum leaves per tree, e.g. 31' });
  checkNumber('featureFraction', r.featureFraction, { min: 0, minExclusive: true, max: 1, hint: 'feature fraction per tree in (0, 1]' });
  checkNumber('baggingFraction', r.baggingFraction, { min: 0, minExclusive: true, max: 1, hint: 'row fraction in (0, 1]' });
  checkNumber('baggingFreq', r.baggingFreq, { min: 0, integer: true, hint: 'resample rows every k trees; 0 disables bagging' });
  checkNumber('minDataInLeaf', r.minDataInLeaf, { min: 0, integer: true, hint: 'minimum rows in a leaf, e.g. 20' });
  checkNumber('minSumHessianInLeaf', r.minSumHessianInLeaf, { min: 0, hint: 'minimum hessian sum in a leaf, e.g. 1e-3' });
  checkNumber('lambdaL2', r.lambdaL2, { min: 0, hint: 'L2 regularization, e.g. 0' });
  checkNumber('lambdaL1', r.lambdaL1, { min: 0, hint: 'L1 regularization, e.g. 0' });
  checkNumber('minGainToSplit', r.minGainToSplit, { min: 0, hint: 'minimum gain to split, e.g. 0' });
  return r;
}

/** Maps resolved parameters of either policy onto one training configuration. */
export function growConfig(r: ResolvedGradientBoostingParams): GrowConfig {
  const lossguide = r.growPolicy === 'lossguide';
  return {
    policy: r.growPolicy,
    nEstimators: r.nEstimators,
    eta: r.learningRate,
    maxDepth: r.maxDepth < 0 ? 0 : r.maxDepth,
    maxLeaves: lossguide ? r.numLeaves : 0,
    rowFraction: lossguide ? r.baggingFraction : r.subsample,
    rowFreq: lossguide ? (r.baggingFraction < 1 ? r.baggingFreq : 0) : r.subsample < 1 ? 1 : 0,
    colFraction: lossguide ? r.featureFraction : r.colsampleBytree,
    minChildHess: lossguide ? r.minSumHessianInLeaf : r.minChildWeight,
    minChildCount: lossguide ? r.minDataInLeaf : 0,
    lambda: lossguide ? r.lambdaL2 : r.lambda,
    alpha: lossguide ? r.lambdaL1 : r.alpha,
    gamma: lossguide ? r.minGainToSplit : r.gamma,
    maxBin: r.maxBin,
    binSampleRows: r.binSampleRows,
    earlyStoppingRounds: r.earlyStoppingRounds,
    seed: r.randomState,
    nThreads: r.nThreads,
    threadMinCells: r.threadMinCells,
  };
}

/** The resolved parameters that apply to the chosen policy (what `getParams()` returns). */
export function policyParams(r: ResolvedGradientBoostingParams): GradientBoostingParams {
  const keys: readonly string[] = [...COMMON_KEYS, ...(r.growPolicy === 'lossguide' ? LOSSGUIDE_KEYS : DEPTHWISE_KEYS)];
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = (r as Record<string, unknown>)[k];
  return out as GradientBoostingParams;
}
