import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MetricError,
  accuracyScore,
  averagePrecisionScore,
  brierScoreLoss,
  chooseThreshold,
  confusionMatrix,
  f1Score,
  logLoss,
  pairwiseSum,
  precisionRecallCurve,
  precisionScore,
  recallScore,
  rocAucScore,
  rocCurve,
} from './index.js';

type Num = number | string;
interface Case {
  name: string;
  y_true: number[];
  y_score: number[];
  y_pred: number[];
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  confusion_matrix: [[number, number], [number, number]];
  roc_auc: Num;
  average_precision: number;
  log_loss?: number;
  brier?: number;
  roc_curve: { fpr: Num[]; tpr: Num[]; thresholds: Num[] };
  roc_curve_all?: { fpr: Num[]; tpr: Num[]; thresholds: Num[] };
  pr_curve: { precision: number[]; recall: number[]; thresholds: number[] };
  best_f1?: { threshold: number; f1: number };
}

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, '__fixtures__/sklearn-metrics.json'), 'utf8')) as { sklearn_version: string; cases: Case[] };

function num(v: Num): number {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v as number;
}

/** |a - b| <= tol * max(1, |b|); NaN equals NaN, infinities equal themselves. */
function close(a: number, b: number, tol: number): boolean {
  if (Number.isNaN(b)) return Number.isNaN(a);
  if (!Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

function expectClose(actual: number, expected: Num, tol: number, what: string): void {
  const e = num(expected);
  if (!close(actual, e, tol)) throw new Error(`${what}: got ${actual}, scikit-learn ${e} (tolerance ${tol})`);
}

function expectArrayClose(actual: ArrayLike<number>, expected: Num[], tol: number, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expectClose(actual[i]!, expected[i]!, tol, `${what}[${i}]`);
}

// Tolerances per metric, relative to max(1, |expected|):
// - counts, accuracy, precision, recall, F1, curve points and thresholds: 0 (exact: integer
//   counts and one correctly rounded division, the same operations as scikit-learn);
// - ROC-AUC, average precision, log loss, Brier: 1e-12 (the same formula and numpy's pairwise
//   summation order reproduced; log() may differ in the last ulp between libm implementations).
const EXACT = 0;
const SUMMED = 1e-12;

describe(`metrics against scikit-learn ${fixture.sklearn_version} (recorded by compat/metrics/record_metrics.py)`, () => {
  it('has the recorded cases', () => {
    expect(fixture.cases.map((c) => c.name)).toEqual(['random', 'ties', 'all_negative', 'all_positive', 'perfect', 'inverted', 'telco_like', 'constant', 'two_rows']);
  });

  for (const c of fixture.cases) {
    describe(c.name, () => {
      it('confusion matrix, accuracy, precision, recall, F1 (exact)', () => {
        const cm = confusionMatrix(c.y_true, c.y_pred);
        expect(cm.matrix).toEqual(c.confusion_matrix);
        expectClose(accuracyScore(c.y_true, c.y_pred), c.accuracy, EXACT, 'accuracy');
        expectClose(precisionScore(c.y_true, c.y_pred), c.precision, EXACT, 'precision');
        expectClose(recallScore(c.y_true, c.y_pred), c.recall, EXACT, 'recall');
        expectClose(f1Score(c.y_true, c.y_pred), c.f1, EXACT, 'f1');
      });

      it('ROC curve with and without drop_intermediate (exact)', () => {
        const r = rocCurve(c.y_true, c.y_score);
        expectArrayClose(r.fpr, c.roc_curve.fpr, EXACT, 'fpr');
        expectArrayClose(r.tpr, c.roc_curve.tpr, EXACT, 'tpr');
        expectArrayClose(r.thresholds, c.roc_curve.thresholds, EXACT, 'thresholds');
        if (c.roc_curve_all) {
          const a = rocCurve(c.y_true, c.y_score, { dropIntermediate: false });
          expectArrayClose(a.fpr, c.roc_curve_all.fpr, EXACT, 'fpr(all)');
          expectArrayClose(a.tpr, c.roc_curve_all.tpr, EXACT, 'tpr(all)');
          expectArrayClose(a.thresholds, c.roc_curve_all.thresholds, EXACT, 'thresholds(all)');
        }
      });

      it('precision-recall curve (exact)', () => {
        const p = precisionRecallCurve(c.y_true, c.y_score);
        expectArrayClose(p.precision, c.pr_curve.precision, EXACT, 'precision');
        expectArrayClose(p.recall, c.pr_curve.recall, EXACT, 'recall');
        expectArrayClose(p.thresholds, c.pr_curve.thresholds, EXACT, 'thresholds');
      });

      it('ROC-AUC and average precision (1e-12)', () => {
        expectClose(rocAucScore(c.y_true, c.y_score), c.roc_auc, SUMMED, 'roc_auc');
        expectClose(averagePrecisionScore(c.y_true, c.y_score), c.average_precision, SUMMED, 'average_precision');
      });

      it('log loss and Brier score (1e-12)', () => {
        expect(c.log_loss).toBeDefined();
        expectClose(logLoss(c.y_true, c.y_score), c.log_loss!, SUMMED, 'log_loss');
        expectClose(brierScoreLoss(c.y_true, c.y_score), c.brier!, SUMMED, 'brier');
      });

      if (c.best_f1) {
        const best = c.best_f1;
        it('max-F1 threshold equals a brute-force search with sklearn f1_score (exact)', () => {
          const choice = chooseThreshold(c.y_true, c.y_score, { kind: 'max-f1' });
          expect(choice).not.toBeNull();
          expect(choice!.threshold).toBe(best.threshold);
          expectClose(choice!.f1, best.f1, EXACT, 'f1 at threshold');
        });
      }
    });
  }
});

describe('threshold strategies', () => {
  const y = [0, 0, 1, 0, 1, 1, 0, 1];
  const s = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];

  it('target recall picks the highest threshold reaching it', () => {
    const c = chooseThreshold(y, s, { kind: 'target-recall', recall: 0.75 })!;
    expect(c.threshold).toBe(0.5);
    expect(c.recall).toBe(0.75);
    expect(c.tp + c.fp).toBe(4);
    expect(c.precision).toBe(0.75);
  });

  it('target precision picks the lowest threshold reaching it', () => {
    const c = chooseThreshold(y, s, { kind: 'target-precision', precision: 0.75 })!;
    expect(c.threshold).toBe(0.5);
    const strict = chooseThreshold(y, s, { kind: 'target-precision', precision: 1 })!;
    expect(strict.threshold).toBe(0.8);
    expect(strict.recall).toBe(0.25);
  });

  it('returns null when no threshold reaches the target', () => {
    expect(chooseThreshold([1, 0, 1], [0.2, 0.9, 0.1], { kind: 'target-precision', precision: 0.9 })).toBeNull();
  });

  it('rejects targets outside (0, 1] and labels without a positive', () => {
    expect(() => chooseThreshold(y, s, { kind: 'target-recall', recall: 1.5 })).toThrow('target recall must be in (0, 1], got 1.5');
    expect(() => chooseThreshold([0, 0], [0.1, 0.2], { kind: 'max-f1' })).toThrow(
      'chooseThreshold: yTrue has no positive label; a threshold cannot be chosen',
    );
  });
});

describe('input errors', () => {
  it('empty input', () => {
    expect(() => rocAucScore([], [])).toThrow(new MetricError('yTrue is empty: metrics need at least one sample'));
    expect(() => accuracyScore([], [])).toThrow('yTrue is empty: metrics need at least one sample');
  });

  it('NaN scores', () => {
    expect(() => rocAucScore([0, 1], [0.1, NaN])).toThrow('scores contains NaN at index 1');
    expect(() => logLoss([0, 1], [NaN, 0.5])).toThrow('prob contains NaN at index 0');
  });

  it('length mismatch and non-binary labels', () => {
    expect(() => f1Score([0, 1], [1])).toThrow('yTrue and yPred must have the same length, got 2 and 1');
    expect(() => precisionScore([0, 2], [0, 1])).toThrow('yTrue must hold 0/1 labels, got 2 at index 1');
    expect(() => recallScore([0, 1], [0, 3])).toThrow('yPred must hold 0/1 predictions, got 3 at index 1');
  });

  it('probabilities outside [0, 1]', () => {
    expect(() => logLoss([0, 1], [0.5, 1.5])).toThrow('probabilities contain values greater than 1: 1.5');
    expect(() => brierScoreLoss([0, 1], [-0.1, 0.5])).toThrow('probabilities contain values lower than 0: -0.1');
  });

  it('zeroDivision option', () => {
    expect(precisionScore([1, 0], [0, 0])).toBe(0);
    expect(precisionScore([1, 0], [0, 0], { zeroDivision: 1 })).toBe(1);
    expect(Number.isNaN(recallScore([0, 0], [1, 0], { zeroDivision: 'nan' }))).toBe(true);
  });
});

describe('pairwiseSum', () => {
  it('follows numpy blocks: exact on integers and order-sensitive like numpy', () => {
    const a = Float64Array.from({ length: 1000 }, (_, i) => i);
    expect(pairwiseSum(a)).toBe(499500);
    expect(pairwiseSum([])).toBe(0);
    // 1e16 then eight 1s: a left-to-right loop loses every 1 (ulp of 1e16 is 2); numpy's eight
    // accumulators add the 1s together first.
    const b = [1e16, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(b.reduce((acc, v) => acc + v, 0)).toBe(1e16);
    expect(pairwiseSum(b)).toBe(1e16 + 8);
  });
});
