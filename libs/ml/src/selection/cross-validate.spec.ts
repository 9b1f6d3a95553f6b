import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Classifier } from '../core/estimator.js';
import { matrixFromRows, type Labels, type Matrix } from '../core/matrix.js';
import { LogisticRegression } from '../linear/index.js';
import { stratifiedKFold } from '../split/stratified.js';
import {
  crossValidate,
  CrossValidationError,
  formatCvAuc,
  formatFixed,
  kFold,
  npStd,
  type CrossValidationResult,
  type CvMetric,
} from './cross-validate.js';

interface CvFixture {
  sklearn: string;
  x: number[][];
  y: number[];
  folds: { train: number[]; test: number[] }[];
  scores: Record<string, number[]>;
  mean: Record<string, number>;
  std: Record<string, number>;
  lines: { scores: number[]; mean: number; std: number; line: string }[];
}
const here = dirname(fileURLToPath(import.meta.url));
const fx = JSON.parse(readFileSync(join(here, '__fixtures__', 'sklearn-cv.json'), 'utf8')) as CvFixture;
const x = matrixFromRows(fx.x);
const y = Uint8Array.from(fx.y);
const METRICS: CvMetric[] = [
  'roc_auc',
  'accuracy',
  'precision',
  'recall',
  'f1',
  'log_loss',
  'average_precision',
];

/** A result holding given fold AUCs (to check the printed line against Python's). */
function resultOf(scores: number[]): CrossValidationResult {
  const v = Float64Array.from(scores);
  return {
    folds: scores.map((s, fold) => ({
      fold,
      trainSize: 0,
      testSize: 0,
      metrics: { roc_auc: s },
      fitSeconds: 0,
    })),
    mean: { roc_auc: v.reduce((a, b) => a + b, 0) / v.length },
    std: { roc_auc: npStd(v) },
  };
}

describe('crossValidate against scikit-learn cross_validate (StratifiedKFold(5), LogisticRegression)', () => {
  const result = crossValidate(() => new LogisticRegression({ C: 1, tol: 1e-8, maxIter: 1000 }), x, y, {
    folds: 5,
    stratified: true,
    shuffle: false,
    metrics: METRICS,
  });

  it('uses the same folds as scikit-learn without shuffling', () => {
    const folds = stratifiedKFold(y, 5, { shuffle: false });
    expect(folds.map((f) => Array.from(f.test))).toEqual(fx.folds.map((f) => f.test));
    expect(result.folds.map((f) => f.testSize)).toEqual(fx.folds.map((f) => f.test.length));
  });

  it('per-fold metrics equal scikit-learn (ROC-AUC within 1e-3: the solvers agree to 1e-4 in probability)', () => {
    for (const m of METRICS) {
      const ours = result.folds.map((f) => f.metrics[m]!);
      const tol = m === 'log_loss' ? 1e-4 : 1e-3;
      ours.forEach((v, i) => expect(Math.abs(v - fx.scores[m]![i]!)).toBeLessThanOrEqual(tol));
      expect(Math.abs(result.mean[m]! - fx.mean[m]!)).toBeLessThanOrEqual(tol);
      expect(Math.abs(result.std[m]! - fx.std[m]!)).toBeLessThanOrEqual(tol);
    }
  });

  it('prints the seed line for the recorded scores exactly as Python', () => {
    for (const l of fx.lines) {
      const r = resultOf(l.scores);
      expect(Math.abs(r.std.roc_auc! - l.std)).toBeLessThanOrEqual(1e-15);
      expect(formatCvAuc(r)).toBe(l.line);
    }
    expect(formatCvAuc(resultOf(fx.scores['roc_auc']!))).toBe(fx.lines[0]!.line);
  });
});

describe('crossValidate behaviour', () => {
  it('is reproducible for a seed and changes with it; every row is tested once', () => {
    const run = (seed: number): number[] =>
      crossValidate(() => new LogisticRegression(), x, y, { seed }).folds.map((f) => f.metrics.roc_auc!);
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    const folds = kFold(103, 5, true, 1);
    const seen = new Uint8Array(103);
    for (const f of folds) for (const i of f.test) seen[i]! += 1;
    expect(seen.every((c) => c === 1)).toBe(true);
    expect(folds.map((f) => f.test.length)).toEqual([21, 21, 21, 20, 20]);
  });

  it('gives each fold a fresh estimator and supports KFold (stratified: false)', () => {
    const made: number[] = [];
    const r = crossValidate(
      (fold) => {
        made.push(fold);
        return new LogisticRegression();
      },
      x,
      y,
      { folds: 4, stratified: false, metrics: ['accuracy'] },
    );
    expect(made).toEqual([0, 1, 2, 3]);
    expect(r.folds).toHaveLength(4);
    expect(r.mean.accuracy).toBeGreaterThan(0.7);
  });

  it('a fold with a single class gives NaN ROC-AUC (as scikit-learn scorers), not an exception', () => {
    const xs: Matrix = matrixFromRows([[0], [1], [2], [3], [4], [5]]);
    const ys: Labels = Uint8Array.from([0, 1, 0, 0, 1, 1]);
    const constant: Classifier<object> = {
      kind: 'constant',
      fit() {
        return this;
      },
      predictProba: (m: Matrix) => new Float64Array(m.rows).fill(0.3),
      getParams: () => ({}),
      toJSON: () => ({ kind: 'constant', formatVersion: 1, params: {}, state: null }),
    };
    const r = crossValidate(() => constant, xs, ys, { folds: 3, stratified: false, shuffle: false });
    expect(r.folds.map((f) => Number.isNaN(f.metrics.roc_auc!))).toEqual([false, true, true]);
    expect(r.mean.roc_auc).toBeNaN();
  });

  it('rejects bad arguments with messages naming them', () => {
    const lr = (): LogisticRegression => new LogisticRegression();
    expect(() => crossValidate(lr, x, y, { folds: 1 })).toThrow(
      new CrossValidationError('folds must be an integer >= 2, got 1'),
    );
    expect(() => crossValidate(lr, x, y.subarray(1))).toThrow(
      `y has ${y.length - 1} labels for ${x.rows} rows of x`,
    );
    expect(() => crossValidate(lr, x, y, { metrics: ['auc' as CvMetric] })).toThrow('unknown metric auc');
    expect(() => formatCvAuc({ folds: [], mean: {}, std: {} })).toThrow('the result has no roc_auc');
  });

  it('formatFixed rounds exact binary ties to even like Python and otherwise like toFixed', () => {
    expect(formatFixed(0.8125, 3)).toBe('0.812');
    expect(formatFixed(0.0625, 3)).toBe('0.062');
    expect(formatFixed(0.5625, 3)).toBe('0.562');
    expect(formatFixed(0.1875, 3)).toBe('0.188');
    expect(formatFixed(0.8385, 3)).toBe((0.8385).toFixed(3));
    expect(formatFixed(-0.0625, 3)).toBe('-0.062');
    expect(formatFixed(Number.NaN, 3)).toBe('nan');
  });
});
