/**
 * Shared pieces of `bench:telco`: the file layout of the data directory that the TypeScript and
 * Python sides exchange, float64/uint8 binary I/O, and the mapping of the seed's parameters
 * (config/config.yaml `training.models`, snake_case) onto our learners.
 *
 * Data directory (written by prepare.js, read by everyone):
 *   meta.json                  rows, column names of both matrices, the seed's model parameters
 *   split.json                 exportSplit() indices (train / validation / test), read by Python
 *   x_tree.f64, x_linear.f64   all rows, column-major float64 (data[col * rows + row])
 *   y.u8                       labels, 1 = churn
 *   proba_<impl>_<model>.f64   test-split probabilities of the positive class
 *   proba_<impl>_<variant>.f64 the same for each extra fit listed in meta.variants
 *   fits_<impl>.json           { model: { fit_seconds: number[] } }
 *   results.jsonl              the printed lines (run.sh)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { GradientBoostingParams, LogisticRegressionParams, Matrix, RandomForestParams } from '@mlops/ml';

export const MODELS = ['xgboost', 'lightgbm', 'random_forest', 'logistic_regression'] as const;
export type ModelName = (typeof MODELS)[number];

/** The seed's `training.models` section as loaded by @mlops/config (snake_case, value for value). */
export interface SeedModels {
  readonly xgboost: {
    readonly n_estimators: number;
    readonly max_depth: number;
    readonly learning_rate: number;
    readonly subsample: number;
    readonly colsample_bytree: number;
    readonly min_child_weight?: number | undefined;
    readonly gamma?: number | undefined;
    readonly reg_lambda?: number | undefined;
    readonly reg_alpha?: number | undefined;
    readonly random_state: number;
  };
  readonly lightgbm: {
    readonly n_estimators: number;
    readonly num_leaves: number;
    readonly learning_rate: number;
    readonly feature_fraction: number;
    readonly bagging_fraction: number;
    readonly bagging_freq: number;
    readonly min_data_in_leaf?: number | undefined;
    readonly random_state: number;
  };
  readonly random_forest: {
    readonly n_estimators: number;
    readonly max_depth: number | null;
    readonly min_samples_split: number;
    readonly min_samples_leaf: number;
    readonly random_state: number;
  };
  readonly logistic_regression: { readonly C: number; readonly max_iter: number };
}

export interface Meta {
  readonly formatVersion: 1;
  readonly rows: number;
  readonly treeColumns: readonly string[];
  readonly linearColumns: readonly string[];
  readonly models: SeedModels;
  readonly split: {
    readonly train: number;
    readonly validation: number;
    readonly test: number;
    readonly seed: number;
  };
  /** Median of this many fits is reported as fit_seconds. */
  readonly repeats: number;
  /** Extra fits (one each, not timed) that explain the main comparison; see bench/README.md. */
  readonly variants: readonly Variant[];
}

/**
 * An extra fit of one model, identical on both sides: the seed's parameters with `overrides`
 * (snake_case, as in config) on a subset of the columns of its matrix (null = all).
 * - `seed`: another random_state, to show the run-to-run spread that row/column sampling causes;
 * - `exact_bins_no_sampling`: gbdt without any sampling on the columns with at most 255 distinct
 *   training values, where every implementation's histogram bins are the distinct values, so
 *   depth-wise/leaf-wise growth can be compared tree for tree.
 */
export interface Variant {
  readonly id: string;
  readonly kind: 'seed' | 'exact_bins_no_sampling';
  readonly model: ModelName;
  readonly overrides: Readonly<Record<string, number>>;
  readonly columns: readonly number[] | null;
}

/** The seed's parameters of `model` with a variant's overrides (snake_case). */
export function variantParams<M extends ModelName>(
  models: SeedModels,
  model: M,
  overrides: Readonly<Record<string, number>>,
): SeedModels[M] {
  return { ...models[model], ...overrides };
}

/** The columns `cols` of a column-major matrix (all of them when null). */
export function selectColumns(x: Matrix, cols: readonly number[] | null): Matrix {
  if (cols === null) return x;
  const n = x.rows;
  const data = new Float64Array(n * cols.length);
  cols.forEach((c, k) => data.set(x.data.subarray(c * n, (c + 1) * n), k * n));
  return { rows: n, cols: cols.length, data, columnNames: cols.map((c) => x.columnNames[c]!) };
}

/** Which matrix each model trains on: trees on imputed + one-hot columns, the linear model on scaled ones. */
export const MATRIX_OF: Readonly<Record<ModelName, 'tree' | 'linear'>> = {
  xgboost: 'tree',
  lightgbm: 'tree',
  random_forest: 'tree',
  logistic_regression: 'linear',
};

export function xgboostParams(s: SeedModels['xgboost']): GradientBoostingParams {
  return {
    growPolicy: 'depthwise',
    nEstimators: s.n_estimators,
    maxDepth: s.max_depth,
    learningRate: s.learning_rate,
    subsample: s.subsample,
    colsampleBytree: s.colsample_bytree,
    ...(s.min_child_weight !== undefined ? { minChildWeight: s.min_child_weight } : {}),
    ...(s.gamma !== undefined ? { gamma: s.gamma } : {}),
    ...(s.reg_lambda !== undefined ? { lambda: s.reg_lambda } : {}),
    ...(s.reg_alpha !== undefined ? { alpha: s.reg_alpha } : {}),
    randomState: s.random_state,
    nThreads: 1,
  };
}

export function lightgbmParams(s: SeedModels['lightgbm']): GradientBoostingParams {
  return {
    growPolicy: 'lossguide',
    nEstimators: s.n_estimators,
    numLeaves: s.num_leaves,
    learningRate: s.learning_rate,
    featureFraction: s.feature_fraction,
    baggingFraction: s.bagging_fraction,
    baggingFreq: s.bagging_freq,
    ...(s.min_data_in_leaf !== undefined ? { minDataInLeaf: s.min_data_in_leaf } : {}),
    randomState: s.random_state,
    nThreads: 1,
  };
}

export function randomForestParams(s: SeedModels['random_forest']): RandomForestParams {
  return {
    nEstimators: s.n_estimators,
    maxDepth: s.max_depth,
    minSamplesSplit: s.min_samples_split,
    minSamplesLeaf: s.min_samples_leaf,
    randomState: s.random_state,
    nThreads: 1,
  };
}

export function logisticParams(s: SeedModels['logistic_regression']): LogisticRegressionParams {
  return { C: s.C, maxIter: s.max_iter };
}

export function writeF64(path: string, a: Float64Array): void {
  writeFileSync(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** Reads little-endian float64 into an owned, aligned array (readFileSync may return a pooled Buffer). */
export function readF64(path: string): Float64Array {
  const b = readFileSync(path);
  if (b.byteLength % 8 !== 0)
    throw new Error(`${path}: ${b.byteLength} bytes is not a whole number of float64 values`);
  const out = new Float64Array(b.byteLength / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** `--name value` from argv, or the default; a missing required option is an error naming it. */
export function arg(name: string, dflt?: string): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(name);
  const v = i >= 0 ? argv[i + 1] : undefined;
  if (v !== undefined) return v;
  if (dflt !== undefined) return dflt;
  throw new Error(`missing ${name} <value>: see bench/README.md (bench:telco)`);
}

export function median(a: readonly number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const n = s.length;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}
