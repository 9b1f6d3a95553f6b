import { renderCalibrationChart } from './calibration.js';
import { renderConfusionMatrixChart } from './confusion-matrix.js';
import { renderFeatureImportanceChart } from './feature-importance.js';
import { renderLossCurveChart } from './loss-curve.js';
import { PNG_SIGNATURE, pngDataUri, pngSize } from './png.js';
import { renderPrecisionRecallChart } from './precision-recall-curve.js';
import { renderRocChart } from './roc-curve.js';
import { renderShapSummaryChart } from './shap-beeswarm.js';
import { ChartError } from './theme.js';
import { renderTuningHistoryChart } from './tuning-history.js';

/** A small deterministic generator so the fixtures below are plain arrays. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function labelsAndScores(n: number, seed: number): { y: number[]; p: number[] } {
  const r = lcg(seed);
  const y: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = r() < 0.3 ? 1 : 0;
    y.push(label);
    p.push(Math.min(1, Math.max(0, 0.25 + (label ? 0.3 : -0.1) + (r() - 0.5) * 0.6)));
  }
  return { y, p };
}

function expectPng(png: Buffer, width: number, height: number): void {
  expect(Array.from(png.subarray(0, 8))).toEqual(Array.from(PNG_SIGNATURE));
  expect(pngSize(png)).toEqual({ width, height });
}

describe('chart renderers', () => {
  it('feature importance: PNG at 2x, top-k only, different data -> different image', async () => {
    const features = ['tenure', 'contract_Month-to-month', 'monthly_charges', 'unused'];
    const a = await renderFeatureImportanceChart(
      { features, importances: [3, 9, 1, 0] },
      { width: 500, height: 300 },
    );
    const b = await renderFeatureImportanceChart(
      { features, importances: [9, 3, 1, 0] },
      { width: 500, height: 300 },
    );
    expectPng(a, 1000, 600);
    expect(a.equals(b)).toBe(false);
    // default height grows with the number of bars shown (top 2 -> shorter than top 3)
    const top2 = await renderFeatureImportanceChart(
      { features, importances: [3, 9, 1, 0] },
      { topK: 2, pixelRatio: 1 },
    );
    const top3 = await renderFeatureImportanceChart(
      { features, importances: [3, 9, 1, 0] },
      { topK: 3, pixelRatio: 1 },
    );
    expect(pngSize(top2).height).toBeLessThanOrEqual(pngSize(top3).height);
    await expect(renderFeatureImportanceChart({ features, importances: [1, 2] })).rejects.toThrow(
      'importances has 2 values, expected 4',
    );
    await expect(renderFeatureImportanceChart({ features, importances: [0, 0, 0, 0] })).rejects.toThrow(
      'importances are all 0',
    );
  });

  it('confusion matrix: PNG at 2x, counts change the image, bad matrices rejected', async () => {
    const a = await renderConfusionMatrixChart({
      matrix: [
        [851, 184],
        [105, 269],
      ],
    });
    const b = await renderConfusionMatrixChart({
      matrix: [
        [900, 135],
        [150, 224],
      ],
    });
    expectPng(a, 1280, 1160);
    expect(a.equals(b)).toBe(false);
    await expect(
      renderConfusionMatrixChart({
        matrix: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      }),
    ).rejects.toThrow('matrix must be square: row 0 has 3 columns, expected 2');
    await expect(
      renderConfusionMatrixChart({
        matrix: [
          [1, -2],
          [3, 4],
        ],
      }),
    ).rejects.toThrow('matrix[0][1] must be a non-negative integer count, got -2');
    await expect(
      renderConfusionMatrixChart({
        matrix: [
          [1, 2],
          [3, 4],
        ],
        labels: ['a'],
      }),
    ).rejects.toThrow('labels has 1 names for a 2 x 2 matrix');
  });

  it('ROC and PR curves: PNG at 2x, curve and legend values change the image', async () => {
    const roc = (tpr: number[], auc: number) =>
      renderRocChart({ fpr: [0, 0.1, 0.4, 1], tpr, auc }, { width: 400, height: 420 });
    const a = await roc([0, 0.5, 0.8, 1], 0.81);
    const b = await roc([0, 0.3, 0.6, 1], 0.7);
    expectPng(a, 800, 840);
    expect(a.equals(b)).toBe(false);
    const withPoint = await renderRocChart(
      {
        fpr: [0, 0.1, 0.4, 1],
        tpr: [0, 0.5, 0.8, 1],
        auc: 0.81,
        operatingPoint: { x: 0.1, y: 0.5, threshold: 0.4 },
      },
      { width: 400, height: 420 },
    );
    expect(withPoint.equals(a)).toBe(false);
    await expect(renderRocChart({ fpr: [0, 1], tpr: [0], auc: 0.5 })).rejects.toThrow(
      'tpr has 1 values, expected 2',
    );

    const pr = (prevalence: number) =>
      renderPrecisionRecallChart(
        { precision: [0.3, 0.5, 0.8, 1], recall: [1, 0.7, 0.3, 0], averagePrecision: 0.6, prevalence },
        { pixelRatio: 1 },
      );
    const c = await pr(0.3);
    expectPng(c, 640, 660);
    expect(c.equals(await pr(0.1))).toBe(false);
    await expect(pr(1.5)).rejects.toThrow('prevalence must be in [0, 1], got 1.5');
  });

  it('calibration: two stacked panels in one PNG at 2x; different probabilities -> different image', async () => {
    const { y, p } = labelsAndScores(400, 1);
    const a = await renderCalibrationChart({ yTrue: y, yProb: p }, { width: 500, height: 600 });
    const b = await renderCalibrationChart(
      { yTrue: y, yProb: p.map((v) => v * v) },
      { width: 500, height: 600 },
    );
    expectPng(a, 1000, 1200);
    expect(a.equals(b)).toBe(false);
    await expect(renderCalibrationChart({ yTrue: [0, 1], yProb: [0.5] })).rejects.toThrow(
      'yProb has 1 values for 2 labels',
    );
  });

  it('SHAP summary: PNG at 2x, height follows the rows shown, feature values change the colours', async () => {
    const r = lcg(5);
    const rows = 120;
    const names = ['a', 'b', 'c'];
    const shap: number[] = [];
    const feat: number[] = [];
    for (let i = 0; i < rows; i++) {
      const fa = r();
      const fb = r() < 0.5 ? 1 : 0;
      shap.push(fa - 0.5, fb ? 0.3 : -0.2, (r() - 0.5) * 0.05);
      feat.push(fa, fb, i % 3 === 0 ? NaN : r());
    }
    const a = await renderShapSummaryChart(
      { featureNames: names, shapValues: shap, featureValues: feat },
      { width: 600 },
    );
    expectPng(a, 1200, 2 * 300);
    const flipped = feat.map((v) => (Number.isNaN(v) ? v : 1 - v));
    const b = await renderShapSummaryChart(
      { featureNames: names, shapValues: shap, featureValues: flipped },
      { width: 600 },
    );
    expect(a.equals(b)).toBe(false);
    const two = await renderShapSummaryChart(
      { featureNames: names, shapValues: shap, featureValues: feat },
      { width: 600, maxDisplay: 2, height: 250 },
    );
    expectPng(two, 1200, 500);
    await expect(
      renderShapSummaryChart({ featureNames: names, shapValues: [1, 2], featureValues: [1, 2] }),
    ).rejects.toThrow('shapValues has 2 entries, not a multiple of 3 features');
    await expect(
      renderShapSummaryChart({ featureNames: ['a'], shapValues: [Infinity], featureValues: [1] }),
    ).rejects.toThrow(ChartError);
  });

  it('loss curve: PNG at 2x; best round defaults to the argmin of the validation loss', async () => {
    const train = Array.from({ length: 40 }, (_, i) => 0.6 * Math.exp(-i / 15) + 0.2);
    const valid = Array.from({ length: 40 }, (_, i) => 0.6 * Math.exp(-i / 10) + 0.25 + 0.002 * i);
    const a = await renderLossCurveChart({ trainLoss: train, validLoss: valid });
    expectPng(a, 1600, 1040);
    const marked = await renderLossCurveChart({ trainLoss: train, validLoss: valid, bestRound: 5 });
    expect(a.equals(marked)).toBe(false);
    await expect(renderLossCurveChart({ trainLoss: [] })).rejects.toThrow('trainLoss is empty');
    await expect(renderLossCurveChart({ trainLoss: [1, 2], validLoss: [1] })).rejects.toThrow(
      'validLoss has 1 values, expected 2',
    );
    await expect(renderLossCurveChart({ trainLoss: [1, 2], bestRound: 2 })).rejects.toThrow(
      'bestRound must be an integer in [0, 1], got 2',
    );
  });

  it('tuning history: PNG at 2x; pruned trials drawn; no complete trial is an error', async () => {
    const trials = [
      { number: 0, value: 0.81, state: 'COMPLETE' as const },
      { number: 1, value: 0.84, state: 'COMPLETE' as const },
      { number: 2, value: 0.79, state: 'PRUNED' as const },
      { number: 3, value: null, state: 'FAIL' as const },
    ];
    const a = await renderTuningHistoryChart({ trials, direction: 'maximize' });
    expectPng(a, 1600, 960);
    const b = await renderTuningHistoryChart({
      trials: trials.filter((t) => t.state !== 'PRUNED'),
      direction: 'maximize',
    });
    expect(a.equals(b)).toBe(false);
    await expect(renderTuningHistoryChart({ trials: [trials[3]!], direction: 'maximize' })).rejects.toThrow(
      'no COMPLETE trial',
    );
  });

  it('rejects sizes outside the supported range', async () => {
    await expect(renderLossCurveChart({ trainLoss: [1] }, { width: 50 })).rejects.toThrow(
      'width must be an integer number of CSS pixels in [100, 4000], got 50',
    );
    await expect(renderLossCurveChart({ trainLoss: [1] }, { pixelRatio: 0 })).rejects.toThrow(
      'pixelRatio must be in (0, 4], got 0',
    );
  });
});

describe('png helpers', () => {
  it('pngSize rejects bytes that are not a PNG; pngDataUri is base64 of the bytes', async () => {
    expect(() => pngSize(Buffer.from('GIF89a........................'))).toThrow('not a PNG');
    const png = await renderLossCurveChart(
      { trainLoss: [0.5, 0.4] },
      { width: 200, height: 150, pixelRatio: 1 },
    );
    const uri = pngDataUri(png);
    expect(uri.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(uri.slice('data:image/png;base64,'.length), 'base64').equals(png)).toBe(true);
  });
});
