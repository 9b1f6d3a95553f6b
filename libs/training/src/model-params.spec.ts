import { loadConfig } from '@mlops/config';
import { GradientBoostingClassifier, LogisticRegression, RandomForestClassifier } from '@mlops/ml';
import { createLearner, learnerParams } from './model-params.js';
import { TrainingError } from './training.error.js';

const config = loadConfig({ env: {}, configDir: 'config' });
const models = config.training.models;

describe('learnerParams: the config names -> our learners', () => {
  it('maps the seed xgboost section to depth-wise boosting with XGBoost semantics', () => {
    expect(learnerParams('xgboost', models.xgboost, { nThreads: 2 })).toEqual({
      algorithm: 'xgboost',
      params: {
        growPolicy: 'depthwise',
        nThreads: 2,
        randomState: 42,
        nEstimators: 100,
        maxDepth: 6,
        learningRate: 0.1,
        subsample: 0.8,
        colsampleBytree: 0.8,
      },
    });
  });

  it('maps xgboost regularization names (reg_lambda -> lambda, reg_alpha -> alpha, min_child_weight, gamma)', () => {
    const p = learnerParams('xgboost', {
      reg_lambda: 2,
      reg_alpha: 0.5,
      min_child_weight: 3,
      gamma: 1,
    }).params;
    expect(p).toMatchObject({ lambda: 2, alpha: 0.5, minChildWeight: 3, gamma: 1 });
  });

  it('maps the seed lightgbm section to leaf-wise boosting with LightGBM names', () => {
    expect(learnerParams('lightgbm', models.lightgbm).params).toEqual({
      growPolicy: 'lossguide',
      nThreads: 1,
      randomState: 42,
      nEstimators: 100,
      numLeaves: 31,
      learningRate: 0.1,
      featureFraction: 0.8,
      baggingFraction: 0.8,
      baggingFreq: 5,
    });
    expect(learnerParams('lightgbm', { min_data_in_leaf: 7 }).params).toMatchObject({ minDataInLeaf: 7 });
  });

  it('maps the seed random_forest section to scikit-learn names', () => {
    expect(learnerParams('random_forest', models.random_forest).params).toEqual({
      nThreads: 1,
      nEstimators: 100,
      maxDepth: 10,
      minSamplesSplit: 5,
      minSamplesLeaf: 2,
      randomState: 42,
    });
    expect(learnerParams('random_forest', { max_depth: null, max_features: 'sqrt' }).params).toMatchObject({
      maxDepth: null,
      maxFeatures: 'sqrt',
    });
  });

  it('maps logistic_regression C and max_iter (random_state ignored: the solver is deterministic)', () => {
    expect(learnerParams('logistic_regression', models.logistic_regression).params).toEqual({
      C: 1,
      maxIter: 1000,
    });
    expect(learnerParams('logistic_regression', { C: 0.5, random_state: 1 }).params).toEqual({ C: 0.5 });
  });

  it('creates the learner of each algorithm, accepted by its constructor', () => {
    expect(createLearner('xgboost', models.xgboost)).toBeInstanceOf(GradientBoostingClassifier);
    expect(
      (createLearner('lightgbm', models.lightgbm).getParams() as { growPolicy: string }).growPolicy,
    ).toBe('lossguide');
    expect(createLearner('random_forest', models.random_forest)).toBeInstanceOf(RandomForestClassifier);
    expect(createLearner('logistic_regression', models.logistic_regression)).toBeInstanceOf(
      LogisticRegression,
    );
  });

  it('maps every parameter of every configured search space (a tuned trial never hits an unknown name)', () => {
    const spaces = config.training.hyperparameter_tuning.search_spaces;
    for (const algorithm of ['xgboost', 'lightgbm', 'random_forest'] as const) {
      const sampled = Object.fromEntries(
        Object.entries(spaces[algorithm]).map(([k, d]) => [k, (d as { low: number }).low]),
      );
      expect(() => createLearner(algorithm, { ...models[algorithm], ...sampled })).not.toThrow();
    }
  });

  it('rejects a parameter the learner does not have, naming it', () => {
    expect(() => learnerParams('random_forest', { num_leaves: 31 })).toThrow(TrainingError);
    expect(() => learnerParams('random_forest', { num_leaves: 31 })).toThrow(
      'training.models.random_forest.num_leaves is not a parameter of this learner: use one of n_estimators, max_depth, min_samples_split, min_samples_leaf, max_features, bootstrap, random_state',
    );
    expect(() => learnerParams('xgboost', { num_leaves: 31 })).toThrow(
      /search parameter num_leaves has no xgboost equivalent/,
    );
    expect(() => learnerParams('logistic_regression', { C: 'big' })).toThrow(
      'training.models.logistic_regression.C must be a finite number, got big',
    );
  });
});
