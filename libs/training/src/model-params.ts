import {
  GradientBoostingClassifier,
  LogisticRegression,
  RandomForestClassifier,
  gbdtParamsFromSearch,
  type Classifier,
  type GradientBoostingParams,
  type LogisticRegressionParams,
  type ParamValue,
  type RandomForestParams,
} from '@mlops/ml';
import { TrainingError } from './training.error.js';

/** The learner families of the config's `training.models` (and of the contracts' `algorithm`). */
export const ALGORITHMS = ['xgboost', 'lightgbm', 'random_forest', 'logistic_regression'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** Parameters as the config spells them: the seed's snake_case XGBoost / LightGBM / scikit-learn names. */
export type SnakeParams = Readonly<Record<string, ParamValue | null>>;

/** Our learner's parameters for one algorithm (camelCase, see each learner's params type). */
export type LearnerParams =
  | { readonly algorithm: 'xgboost' | 'lightgbm'; readonly params: GradientBoostingParams }
  | { readonly algorithm: 'random_forest'; readonly params: RandomForestParams }
  | { readonly algorithm: 'logistic_regression'; readonly params: LogisticRegressionParams };

/** Options that are not hyperparameters: threads used by the learners that have them. */
export interface LearnerOptions {
  /** Worker threads (GBDT histograms, forest trees); 1 = main thread only. Default 1. */
  readonly nThreads?: number;
}

const RANDOM_FOREST_NAMES: Readonly<Record<string, keyof RandomForestParams>> = {
  n_estimators: 'nEstimators',
  max_depth: 'maxDepth',
  min_samples_split: 'minSamplesSplit',
  min_samples_leaf: 'minSamplesLeaf',
  max_features: 'maxFeatures',
  bootstrap: 'bootstrap',
  random_state: 'randomState',
};

const LOGISTIC_NAMES: Readonly<Record<string, keyof LogisticRegressionParams>> = {
  C: 'C',
  max_iter: 'maxIter',
  tol: 'tol',
  fit_intercept: 'fitIntercept',
};

/** True when `name` is one of the four algorithms. */
export function isAlgorithm(name: string): name is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(name);
}

/**
 * The one place where the config's snake_case parameters become our learners' parameters:
 * - `xgboost` -> GradientBoostingClassifier, growPolicy 'depthwise' (XGBoost hist names:
 *   n_estimators, max_depth, learning_rate, subsample, colsample_bytree, min_child_weight, gamma,
 *   reg_lambda, reg_alpha, max_bin; through `gbdtParamsFromSearch`, the tuning objective's table);
 * - `lightgbm` -> GradientBoostingClassifier, growPolicy 'lossguide' (num_leaves,
 *   feature_fraction, bagging_fraction, bagging_freq, min_data_in_leaf, lambda_l1/l2, ...);
 * - `random_forest` -> RandomForestClassifier (scikit-learn names: n_estimators, max_depth
 *   (null = unlimited), min_samples_split, min_samples_leaf, max_features, bootstrap);
 * - `logistic_regression` -> LogisticRegression (C, max_iter, tol, fit_intercept).
 * `random_state` is the seed of every learner that has one (logistic regression is deterministic
 * and has none: the key is accepted and ignored there, as scikit-learn ignores it for lbfgs).
 *
 * @throws TrainingError naming a parameter the learner does not have, or a value of the wrong type.
 */
export function learnerParams(
  algorithm: Algorithm,
  snake: SnakeParams,
  options: LearnerOptions = {},
): LearnerParams {
  const nThreads = options.nThreads ?? 1;
  switch (algorithm) {
    case 'xgboost':
    case 'lightgbm': {
      const rest: Record<string, ParamValue> = {};
      const fixed: GradientBoostingParams = { nThreads };
      for (const [k, v] of Object.entries(snake)) {
        if (v === null) throw new TrainingError(`training.models.${algorithm}.${k} is null: give a number`);
        if (k === 'random_state') fixed.randomState = number(algorithm, k, v);
        else rest[k] = v;
      }
      try {
        return { algorithm, params: gbdtParamsFromSearch(algorithm, rest, fixed) };
      } catch (e) {
        throw new TrainingError(
          `training.models.${algorithm}: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    case 'random_forest': {
      const out: Record<string, unknown> = { nThreads };
      for (const [k, v] of Object.entries(snake)) {
        const key = RANDOM_FOREST_NAMES[k];
        if (key === undefined) throw unknownParam(algorithm, k, RANDOM_FOREST_NAMES);
        if (key === 'maxDepth') out[key] = v === null ? null : number(algorithm, k, v);
        else if (key === 'maxFeatures')
          out[key] = v === null || v === 'sqrt' || v === 'log2' ? v : number(algorithm, k, v);
        else if (key === 'bootstrap') {
          if (typeof v !== 'boolean')
            throw new TrainingError(
              `training.models.random_forest.bootstrap must be true or false, got ${String(v)}`,
            );
          out[key] = v;
        } else out[key] = number(algorithm, k, v);
      }
      return { algorithm, params: out as RandomForestParams };
    }
    case 'logistic_regression': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(snake)) {
        if (k === 'random_state') continue;
        const key = LOGISTIC_NAMES[k];
        if (key === undefined) throw unknownParam(algorithm, k, LOGISTIC_NAMES);
        if (key === 'fitIntercept') {
          if (typeof v !== 'boolean')
            throw new TrainingError(
              `training.models.logistic_regression.fit_intercept must be true or false, got ${String(v)}`,
            );
          out[key] = v;
        } else out[key] = number(algorithm, k, v);
      }
      return { algorithm, params: out as LogisticRegressionParams };
    }
  }
}

/** A fresh, unfitted learner for the algorithm with the config's parameters (see {@link learnerParams}). */
export function createLearner(
  algorithm: Algorithm,
  snake: SnakeParams,
  options: LearnerOptions = {},
): Classifier<object> {
  const lp = learnerParams(algorithm, snake, options);
  switch (lp.algorithm) {
    case 'xgboost':
    case 'lightgbm':
      return new GradientBoostingClassifier(lp.params);
    case 'random_forest':
      return new RandomForestClassifier(lp.params);
    case 'logistic_regression':
      return new LogisticRegression(lp.params);
  }
}

function number(algorithm: Algorithm, key: string, v: ParamValue | null): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new TrainingError(`training.models.${algorithm}.${key} must be a finite number, got ${String(v)}`);
  }
  return v;
}

function unknownParam(
  algorithm: Algorithm,
  key: string,
  table: Readonly<Record<string, string>>,
): TrainingError {
  return new TrainingError(
    `training.models.${algorithm}.${key} is not a parameter of this learner: use one of ${Object.keys(table).join(', ')}`,
  );
}
