import type { ChartDataset } from 'chart.js';
import { operatingPointDataset, renderUnitSquareChart, type OperatingPoint } from './roc-curve.js';
import {
  PALETTE,
  ChartError,
  checkFinite,
  formatFixed,
  referenceLineDataset,
  type ChartRenderOptions,
} from './theme.js';

/** `precisionRecallCurve()` output, its average precision and the positive rate of the labels. */
export interface PrecisionRecallChartData {
  readonly precision: ArrayLike<number>;
  readonly recall: ArrayLike<number>;
  readonly averagePrecision: number;
  /** Share of positive labels: the precision of a random classifier (the no-skill baseline). */
  readonly prevalence: number;
  /** Legend name of the curve (default 'Model'). */
  readonly label?: string;
  /** The chosen threshold's (recall, precision). */
  readonly operatingPoint?: OperatingPoint;
}

/**
 * Precision-recall curve as scikit-learn's PrecisionRecallDisplay: a step curve (drawstyle
 * "steps-post" over the points in the given order), AP in the legend, and the no-skill baseline
 * precision = prevalence. Optionally the operating point of the chosen threshold.
 *
 * @throws ChartError on arrays of different length, non-finite values, or prevalence outside [0, 1].
 */
export async function renderPrecisionRecallChart(
  data: PrecisionRecallChartData,
  options: ChartRenderOptions = {},
): Promise<Buffer> {
  checkFinite('recall', data.recall);
  checkFinite('precision', data.precision, data.recall.length);
  if (!(data.prevalence >= 0 && data.prevalence <= 1))
    throw new ChartError(`prevalence must be in [0, 1], got ${data.prevalence}`);
  const points = Array.from({ length: data.recall.length }, (_, i) => ({
    x: data.recall[i]!,
    y: data.precision[i]!,
  }));
  const datasets: ChartDataset<'scatter'>[] = [
    {
      label: `${data.label ?? 'Model'} (AP = ${formatFixed(data.averagePrecision, 3)})`,
      data: points,
      showLine: true,
      stepped: 'after',
      clip: 6,
      borderColor: PALETTE.primary,
      backgroundColor: PALETTE.primary,
      borderWidth: 2.5,
      pointRadius: 0,
      pointStyle: 'line',
    },
    referenceLineDataset(
      `No skill (prevalence = ${formatFixed(data.prevalence, 3)})`,
      { x: 0, y: data.prevalence },
      { x: 1, y: data.prevalence },
    ),
  ];
  if (data.operatingPoint) datasets.push(operatingPointDataset(data.operatingPoint, 'recall', 'precision'));
  return renderUnitSquareChart(
    datasets,
    {
      title: options.title ?? 'Precision-recall curve',
      x: 'Recall (true positive rate)',
      y: 'Precision (positive predictive value)',
    },
    options,
  );
}
