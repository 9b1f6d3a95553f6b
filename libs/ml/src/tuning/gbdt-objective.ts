import type { Labels, Matrix } from '../core/matrix.js';
import { GradientBoostingClassifier } from '../gbdt/gradient-boosting.js';
import type { GradientBoostingParams } from '../gbdt/params.js';
import { rocAucScore } from '../metrics/ranking.js';
import { TuningError, type ParamValue } from './distributions.js';
import { TrialPruned } from './study.js';

/** The part of a trial a training objective needs (a main-thread Trial or a WorkerTrial). */
export interface ReportingTrial {
  report(value: number, step: number): void;
  shouldPrune(): boolean;
}

/** Training and validation data plus fixed parameters of a gradient-boosting objective. */
export interface GbdtObjectiveData {
  readonly train: { readonly x: Matrix; readonly y: Labels };
  readonly validation: { readonly x: Matrix; readonly y: Labels };
  /** Names used by the search space: the config's `xgboost` or `lightgbm` section. */
  readonly names: 'xgboost' | 'lightgbm';
  /** Parameters not searched (randomState, earlyStoppingRounds, nThreads, baggingFreq...). */
  readonly fixed: GradientBoostingParams;
}

const XGBOOST_NAMES: Readonly<Record<string, keyof GradientBoostingParams>> = {
  n_estimators: 'nEstimators',
  max_depth: 'maxDepth',
  learning_rate: 'learningRate',
  subsample: 'subsample',
  colsample_bytree: 'colsampleBytree',
  min_child_weight: 'minChildWeight',
  gamma: 'gamma',
  reg_lambda: 'lambda',
  reg_alpha: 'alpha',
  max_bin: 'maxBin',
};

const LIGHTGBM_NAMES: Readonly<Record<string, keyof GradientBoostingParams>> = {
  n_estimators: 'nEstimators',
  num_leaves: 'numLeaves',
  max_depth: 'maxDepth',
  learning_rate: 'learningRate',
  feature_fraction: 'featureFraction',
  bagging_fraction: 'baggingFraction',
  bagging_freq: 'baggingFreq',
  min_data_in_leaf: 'minDataInLeaf',
  min_sum_hessian_in_leaf: 'minSumHessianInLeaf',
  lambda_l1: 'lambdaL1',
  lambda_l2: 'lambdaL2',
  min_gain_to_split: 'minGainToSplit',
  max_bin: 'maxBin',
};

/**
 * Maps sampled parameters named as in the config's search spaces (XGBoost / LightGBM names,
 * snake_case) onto {@link GradientBoostingParams} of the matching growth policy.
 * @throws TuningError naming a parameter the learner does not have.
 */
export function gbdtParamsFromSearch(
  names: 'xgboost' | 'lightgbm',
  params: Readonly<Record<string, ParamValue>>,
  fixed: GradientBoostingParams = {},
): GradientBoostingParams {
  const table = names === 'xgboost' ? XGBOOST_NAMES : LIGHTGBM_NAMES;
  const out: Record<string, unknown> = {
    growPolicy: names === 'xgboost' ? 'depthwise' : 'lossguide',
    ...fixed,
  };
  for (const [k, v] of Object.entries(params)) {
    const key = table[k];
    if (key === undefined)
      throw new TuningError(
        `search parameter ${k} has no ${names} equivalent in GradientBoostingClassifier (known: ${Object.keys(table).join(', ')})`,
      );
    out[key] = v;
  }
  return out as GradientBoostingParams;
}

/**
 * Objective of a gradient-boosting trial: fits on the training split with the sampled
 * parameters, reports the validation ROC-AUC after every boosting round (step = round) and stops
 * when the pruner says so (then throws {@link TrialPruned}, as Optuna's XGBoostPruningCallback);
 * early stopping on validation logloss when `fixed.earlyStoppingRounds` > 0. Returns the
 * validation ROC-AUC of the fitted model (trees after the best round dropped).
 *
 * Exported as `objective` too, so `dist/tuning/gbdt-objective.js` serves as a WorkerObjective module.
 */
export function gbdtObjective(
  params: Readonly<Record<string, ParamValue>>,
  data: GbdtObjectiveData,
  trial: ReportingTrial,
): number {
  const model = new GradientBoostingClassifier(gbdtParamsFromSearch(data.names, params, data.fixed));
  let pruned = false;
  let lastStep = -1;
  model.fit(data.train.x, data.train.y, {
    validation: data.validation,
    onRound: (info) => {
      if (info.validAuc === undefined) return true;
      trial.report(info.validAuc, info.round);
      lastStep = info.round;
      if (trial.shouldPrune()) {
        pruned = true;
        return false;
      }
      return true;
    },
  });
  if (pruned) throw new TrialPruned(`trial pruned at round ${lastStep}`);
  return rocAucScore(data.validation.y, model.predictProba(data.validation.x));
}

export const objective = gbdtObjective;

/** A copy of a matrix on a SharedArrayBuffer, so worker threads share it instead of copying. */
export function shareMatrix(m: Matrix): Matrix {
  const data = new Float64Array(new SharedArrayBuffer(Math.max(8, m.data.byteLength)), 0, m.data.length);
  data.set(m.data);
  return { rows: m.rows, cols: m.cols, data, columnNames: [...m.columnNames] };
}

/** A copy of labels on a SharedArrayBuffer. */
export function shareLabels(y: Labels): Labels {
  const out = new Uint8Array(new SharedArrayBuffer(Math.max(1, y.length)), 0, y.length);
  out.set(y);
  return out;
}
