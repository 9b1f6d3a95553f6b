/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
import { loadConfig } from '@mlops/config';
import { trainingProgressSchema } from '@mlops/contracts';
import { createOnnxSession, runOnnxPipeline } from '@mlops/ml/onnx-runtime';
import { decideThreshold, splitMetrics } from './evaluation.js';
import { sha256Hex } from './digest.js';
import { runTraining, type TrainingResult } from './pipeline.js';
import { toTrainingProgressPayload, type TrainingProgressEvent } from './progress.js';
import { TrainingError } from './training.error.js';

const config = loadConfig({ env: {}, configDir: 'config' });
const JOB = '8f14e45f-ceea-4b67-9b0c-6c1c1d6b6a2e';
let result: TrainingResult;
const events: TrainingProgressEvent[] = [];

beforeAll(async () => {
  result = await runTraining({
    csvPath: 'data/raw/customer_data.csv',
    config,
    sampleRatio: 0.2,
    models: ['xgboost', 'logistic_regression'],
    tuning: { enabled: true, nTrials: 3 },
    cvFolds: 3,
    onProgress: (e) => events.push(e),
  });
}, 120_000);

describe('runTraining on a 20% sample (xgboost tuned with 3 trials, logistic regression)', () => {
  it('samples and splits stratified 60/20/20 with the config seed', () => {
    const d = result.data;
    expect(d.rowsAvailable).toBe(7043);
    expect(Math.abs(d.rows - 0.2 * 7043)).toBeLessThanOrEqual(1);
    expect(d.split.train.rows + d.split.validation.rows + d.split.test.rows).toBe(d.rows);
    expect(d.split.test.rows).toBe(Math.ceil(0.2 * d.rows));
    for (const s of Object.values(d.split)) expect(Math.abs(s.churnRate - d.churnRate)).toBeLessThan(0.01);
  });

  it('trains the models asked for, in order, and picks the best by validation ROC-AUC', () => {
    expect(result.candidates.map((c) => c.algorithm)).toEqual(['xgboost', 'logistic_regression']);
    const top = Math.max(...result.candidates.map((c) => c.metrics.validation.rocAuc));
    expect(result.best.metrics.validation.rocAuc).toBe(top);
    for (const c of result.candidates) {
      expect(c.metrics.validation.rocAuc).toBeGreaterThan(0.75);
      expect(c.timings.fitSeconds).toBeGreaterThan(0);
    }
  });

  it('chooses the threshold on the validation split and reports test metrics at it', () => {
    const { validation, test } = result.predictions;
    expect(decideThreshold(validation.y, validation.p, config.training.decision_threshold)).toEqual(
      result.best.threshold,
    );
    expect(result.best.threshold.chosenOn).toBe('validation');
    expect(splitMetrics(test.y, test.p, result.threshold.value)).toEqual(result.best.metrics.test);
    expect(result.best.metrics.validation.recall).toBeGreaterThanOrEqual(0.65);
  });

  it('tunes xgboost with TPE over the config search space and fits the best trial over the seed parameters', () => {
    const xgb = result.candidates[0]!;
    const t = xgb.tuning!;
    expect(t.trials).toHaveLength(3);
    expect(t.completed + t.pruned + t.failed).toBe(3);
    expect(Object.keys(t.bestParams!).sort()).toEqual(
      Object.keys(config.training.hyperparameter_tuning.search_spaces.xgboost).sort(),
    );
    expect(xgb.params).toEqual({ ...config.training.models.xgboost, ...t.bestParams });
    expect(xgb.metrics.validation.rocAuc).toBeCloseTo(t.bestValue!, 12);
    expect(result.candidates[1]!.tuning).toBeNull(); // no search space for logistic regression in the config
  });

  it('cross-validates the best model on the training split', () => {
    const cv = result.cv!;
    expect(cv.folds).toBe(3);
    expect(cv.perFold).toHaveLength(3);
    expect(cv.perFold.reduce((s, f) => s + f.testRows, 0)).toBe(result.data.split.train.rows);
    expect(cv.summary).toMatch(/^CV AUC: 0\.\d{3} \(\+\/- 0\.\d{3}\)$/);
  });

  it('exports the whole pipeline to ONNX: raw columns in, the in-process probabilities out', async () => {
    expect(sha256Hex(result.onnx.bytes)).toBe(result.onnx.sha256);
    expect(result.onnx.sizeBytes).toBe(result.onnx.bytes.length);
    expect(result.inputSchema.map((c) => c.name)).toEqual(
      expect.arrayContaining(['tenure', 'monthly_charges', 'contract', 'payment_method']),
    );
    expect(result.inputSchema.find((c) => c.name === 'tenure')!.type).toBe('float');
    expect(result.inputSchema.find((c) => c.name === 'contract')!.type).toBe('string');
    const session = await createOnnxSession(result.onnx.bytes);
    const { proba } = await runOnnxPipeline(session, result.sampleRows);
    await session.release();
    expect(proba.length).toBe(result.sampleRows.length);
    for (let i = 0; i < proba.length; i++)
      expect(Math.abs(proba[i]! - result.predictions.test.p[i]!)).toBeLessThan(1e-6);
  });

  it('ranks every model column by mean |SHAP| on the test split', () => {
    const fi = result.featureImportance;
    expect(fi.values).toHaveLength(result.featureNames.length);
    expect(fi.rows).toBe(result.data.split.test.rows);
    for (let i = 1; i < fi.values.length; i++)
      expect(fi.values[i - 1]!.value).toBeGreaterThanOrEqual(fi.values[i]!.value);
    expect(fi.method).toBe(result.best.algorithm === 'logistic_regression' ? 'linear_shap' : 'tree_shap');
  });

  it('reports progress per model, round and trial; round events are valid mlops.training.progress.v1 payloads', () => {
    const rounds = events.filter(
      (e): e is Extract<TrainingProgressEvent, { kind: 'round' }> => e.kind === 'round',
    );
    for (const e of rounds)
      expect(trainingProgressSchema.safeParse(toTrainingProgressPayload(e.progress, JOB)).success).toBe(true);
    expect(new Set(rounds.map((e) => e.progress.phase))).toEqual(
      new Set(['tuning', 'final_fit', 'cross_validation']),
    );
    const finalXgb = rounds.filter((e) => e.progress.model === 'xgboost' && e.progress.phase === 'final_fit');
    expect(finalXgb.map((e) => e.progress.round)).toEqual(
      Array.from({ length: finalXgb.length }, (_, i) => i + 1),
    );
    expect(finalXgb.at(-1)!.progress.round).toBe(finalXgb[0]!.progress.totalRounds);
    expect(finalXgb.every((e) => e.progress.validAuc !== undefined)).toBe(true);
    expect(events.filter((e) => e.kind === 'trial-finished')).toHaveLength(3);
    expect(
      events.filter((e) => e.kind === 'model-finished').map((e) => (e as { model: string }).model),
    ).toEqual(['xgboost', 'logistic_regression']);
    const folds = rounds.filter((e) => e.progress.phase === 'cross_validation').map((e) => e.progress.fold);
    expect(new Set(folds)).toEqual(new Set([0, 1, 2]));
  });

  it('refuses bad options, naming them', async () => {
    await expect(
      runTraining({ csvPath: 'data/raw/customer_data.csv', config, sampleRatio: 0 }),
    ).rejects.toThrow('sampleRatio must be in (0, 1], got 0');
    await expect(runTraining({ csvPath: 'data/raw/customer_data.csv', config, models: [] })).rejects.toThrow(
      TrainingError,
    );
    await expect(runTraining({ config })).rejects.toThrow('give dataset or csvPath: the rows to train on');
    await expect(runTraining({ csvPath: 'no/such.csv', config })).rejects.toThrow(
      'no data file at no/such.csv',
    );
  });
});
