import type { ChartConfiguration } from 'chart.js';
import {
  PALETTE,
  TICKS,
  axisTitle,
  ChartError,
  chartPlugins,
  fixedWidth,
  formatFixed,
  formatInt,
  referenceLineDataset,
  renderStacked,
  sizeOf,
  type ChartRenderOptions,
} from './theme.js';

/** Reliability-diagram points of {@link calibrationCurve}. */
export interface CalibrationCurve {
  /** Fraction of positives per non-empty bin (sklearn's `prob_true`). */
  readonly probTrue: Float64Array;
  /** Mean predicted probability per non-empty bin (sklearn's `prob_pred`). */
  readonly probPred: Float64Array;
  /** Rows per non-empty bin. */
  readonly counts: Float64Array;
  /** Rows per bin, empty bins included (length nBins): the histogram of predicted probabilities. */
  readonly binCounts: Float64Array;
  /** nBins + 1 edges, numpy `linspace(0, 1, nBins + 1)`. */
  readonly edges: Float64Array;
}

/**
 * `sklearn.calibration.calibration_curve(y_true, y_prob, n_bins, strategy="uniform")`:
 * edges = linspace(0, 1, nBins + 1); a probability p goes to bin `searchsorted(edges[1:-1], p)`
 * (side left: the number of inner edges strictly below p, so p = 0.1 falls in the first bin);
 * per non-empty bin prob_true = positives / rows and prob_pred = sum(p) / rows. Empty bins are
 * dropped from probTrue/probPred/counts (kept as 0 in binCounts).
 *
 * @param yTrue 0/1 labels, @param yProb probabilities in [0, 1], same length >= 1.
 * @throws ChartError on different lengths, labels other than 0/1, probabilities outside [0, 1] or
 *   NaN (sklearn raises on these too), or nBins < 1.
 */
export function calibrationCurve(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  nBins = 10,
): CalibrationCurve {
  const n = yTrue.length;
  if (yProb.length !== n) throw new ChartError(`yProb has ${yProb.length} values for ${n} labels`);
  if (n === 0) throw new ChartError('yTrue is empty: a calibration curve needs at least one row');
  if (!Number.isInteger(nBins) || nBins < 1)
    throw new ChartError(`nBins must be an integer >= 1, got ${nBins}`);
  const edges = linspace(0, 1, nBins + 1);
  const sums = new Float64Array(nBins);
  const trues = new Float64Array(nBins);
  const totals = new Float64Array(nBins);
  for (let i = 0; i < n; i++) {
    const p = yProb[i]!;
    const y = yTrue[i]!;
    if (!(p >= 0 && p <= 1)) throw new ChartError(`yProb[${i}] = ${p}: probabilities must be in [0, 1]`);
    if (y !== 0 && y !== 1) throw new ChartError(`yTrue[${i}] = ${y}: labels must be 0 or 1`);
    // searchsorted(edges[1:-1], p, side='left'): count of inner edges < p
    let lo = 0;
    let hi = nBins - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid + 1]! < p) lo = mid + 1;
      else hi = mid;
    }
    sums[lo]! += p;
    trues[lo]! += y;
    totals[lo]! += 1;
  }
  const probTrue: number[] = [];
  const probPred: number[] = [];
  const counts: number[] = [];
  for (let b = 0; b < nBins; b++) {
    if (totals[b] === 0) continue;
    probTrue.push(trues[b]! / totals[b]!);
    probPred.push(sums[b]! / totals[b]!);
    counts.push(totals[b]!);
  }
  return {
    probTrue: Float64Array.from(probTrue),
    probPred: Float64Array.from(probPred),
    counts: Float64Array.from(counts),
    binCounts: totals,
    edges,
  };
}

/** numpy `linspace(start, stop, num)` (endpoint=True): start + i * ((stop - start) / (num - 1)), last = stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const step = div > 0 ? (stop - start) / div : 0;
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

export interface CalibrationChartData {
  readonly yTrue: ArrayLike<number>;
  readonly yProb: ArrayLike<number>;
  /** Legend name of the model curve (default 'Model'). */
  readonly label?: string;
}

export interface CalibrationChartOptions extends ChartRenderOptions {
  /** Uniform bins of the reliability diagram and the histogram (default 10, as calibration_curve). */
  readonly nBins?: number;
}

/**
 * Reliability diagram (scikit-learn's CalibrationDisplay): fraction of positives against the mean
 * predicted probability per uniform bin, with the perfectly calibrated diagonal; below it, on the
 * same x axis, the histogram of predicted probabilities over the same bins. Two chart.js panels
 * stacked in one PNG; the legend gives the Brier score, mean((p - y)^2).
 */
export async function renderCalibrationChart(
  data: CalibrationChartData,
  options: CalibrationChartOptions = {},
): Promise<Buffer> {
  const nBins = options.nBins ?? 10;
  const curve = calibrationCurve(data.yTrue, data.yProb, nBins);
  let brier = 0;
  for (let i = 0; i < data.yTrue.length; i++) brier += (data.yProb[i]! - data.yTrue[i]!) ** 2;
  brier /= data.yTrue.length;
  const { width, height, pixelRatio } = sizeOf(options, 640, 780);
  const histHeight = Math.round(height * 0.3);
  const yAxisWidth = 64;
  const xAxis = (title: string | null) => ({
    type: 'linear' as const,
    min: 0,
    max: 1,
    title: title ? axisTitle(title) : { display: false },
    ticks: { ...TICKS, stepSize: 0.1, callback: (v: number | string) => Number(v).toFixed(1) },
    grid: { color: PALETTE.grid },
  });

  const reliability: ChartConfiguration<'scatter'> = {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: `${data.label ?? 'Model'} (Brier score = ${formatFixed(brier, 3)})`,
          data: Array.from(curve.probPred, (x, i) => ({ x, y: curve.probTrue[i]! })),
          showLine: true,
          borderColor: PALETTE.primary,
          backgroundColor: PALETTE.primary,
          borderWidth: 2.5,
          pointRadius: 5,
          pointHoverRadius: 5,
        },
        referenceLineDataset('Perfectly calibrated', { x: 0, y: 0 }, { x: 1, y: 1 }),
      ],
    },
    options: {
      layout: { padding: { right: 20, left: 4, top: 4, bottom: 0 } },
      plugins: chartPlugins(
        options.title ?? 'Calibration (reliability diagram)',
        options.subtitle ?? `${nBins} uniform bins`,
        'top',
      ),
      scales: {
        x: xAxis('Mean predicted probability (per bin)'),
        y: {
          ...xAxis('Fraction of positives'),
          afterFit: fixedWidth(yAxisWidth),
        },
      },
    },
  };
  const histogram: ChartConfiguration<'bar', { x: number; y: number }[]> = {
    type: 'bar',
    data: {
      datasets: [
        {
          label: 'Rows per bin',
          data: Array.from(curve.binCounts, (c, b) => ({
            x: (curve.edges[b]! + curve.edges[b + 1]!) / 2,
            y: c,
          })),
          backgroundColor: 'rgba(37, 99, 235, 0.55)',
          borderColor: PALETTE.primary,
          borderWidth: 1,
          barPercentage: 1,
          categoryPercentage: 0.94,
        },
      ],
    },
    options: {
      layout: { padding: { right: 20, left: 4, top: 8, bottom: 4 } },
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
      scales: {
        x: { ...xAxis('Predicted probability'), offset: false },
        y: {
          beginAtZero: true,
          title: axisTitle('Rows'),
          ticks: { ...TICKS, maxTicksLimit: 5, callback: (v: number | string) => formatInt(Number(v)) },
          grid: { color: PALETTE.grid },
          afterFit: fixedWidth(yAxisWidth),
        },
      },
    },
  };
  return renderStacked(
    [
      { config: reliability as unknown as ChartConfiguration, height: height - histHeight },
      { config: histogram as unknown as ChartConfiguration, height: histHeight },
    ],
    width,
    pixelRatio,
  );
}
