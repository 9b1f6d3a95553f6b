import type { ChartConfiguration, ChartDataset } from 'chart.js';
import {
  PALETTE,
  TICKS,
  axisTitle,
  chartPlugins,
  checkFinite,
  formatFixed,
  referenceLineDataset,
  renderChart,
  sizeOf,
  type ChartRenderOptions,
} from './theme.js';

/** A point of a curve marked on the chart: the operating point at the chosen decision threshold. */
export interface OperatingPoint {
  readonly x: number;
  readonly y: number;
  readonly threshold: number;
}

/** `rocCurve()` output (any length >= 2) and the area under it. */
export interface RocChartData {
  readonly fpr: ArrayLike<number>;
  readonly tpr: ArrayLike<number>;
  readonly auc: number;
  /** Legend name of the curve (default 'Model'). */
  readonly label?: string;
  /** The chosen threshold's (fpr, tpr). */
  readonly operatingPoint?: OperatingPoint;
}

/**
 * ROC curve as scikit-learn's RocCurveDisplay: straight segments between the (fpr, tpr) points,
 * the chance diagonal, AUC in the legend, optionally the operating point of the chosen threshold.
 * Square plot area, both axes 0..1.
 *
 * @throws ChartError when fpr and tpr differ in length, hold fewer than 2 points or non-finite values.
 */
export async function renderRocChart(data: RocChartData, options: ChartRenderOptions = {}): Promise<Buffer> {
  checkFinite('fpr', data.fpr);
  checkFinite('tpr', data.tpr, data.fpr.length);
  const points = Array.from({ length: data.fpr.length }, (_, i) => ({ x: data.fpr[i]!, y: data.tpr[i]! }));
  const datasets: ChartDataset<'scatter'>[] = [
    {
      label: `${data.label ?? 'Model'} (AUC = ${formatFixed(data.auc, 3)})`,
      data: points,
      showLine: true,
      borderColor: PALETTE.primary,
      backgroundColor: PALETTE.primaryFill,
      fill: 'origin',
      borderWidth: 2.5,
      pointRadius: 0,
      pointStyle: 'line',
    },
    referenceLineDataset('Chance (AUC = 0.500)', { x: 0, y: 0 }, { x: 1, y: 1 }),
  ];
  if (data.operatingPoint) datasets.push(operatingPointDataset(data.operatingPoint, 'FPR', 'TPR'));
  return renderUnitSquareChart(
    datasets,
    {
      title: options.title ?? 'ROC curve',
      x: 'False positive rate (1 − specificity)',
      y: 'True positive rate (recall)',
    },
    options,
  );
}

/** The marked operating point, a ring in the secondary colour, labelled with its threshold. */
export function operatingPointDataset(
  p: OperatingPoint,
  xName: string,
  yName: string,
): ChartDataset<'scatter'> {
  return {
    label: `Threshold ${formatFixed(p.threshold, 3)} (${xName} ${formatFixed(p.x, 2)}, ${yName} ${formatFixed(p.y, 2)})`,
    data: [{ x: p.x, y: p.y }],
    pointRadius: 7,
    pointBorderWidth: 2.5,
    pointBackgroundColor: PALETTE.background,
    pointBorderColor: PALETTE.secondary,
    backgroundColor: PALETTE.background,
    borderColor: PALETTE.secondary,
    pointStyle: 'circle',
  };
}

/** A 0..1 linear axis with ticks every 0.1 (labelled every 0.2). */
export function unitAxis(title: string) {
  return {
    type: 'linear' as const,
    min: 0,
    max: 1,
    title: axisTitle(title),
    ticks: {
      ...TICKS,
      stepSize: 0.1,
      callback: (v: number | string) => (Math.round(Number(v) * 10) % 2 === 0 ? Number(v).toFixed(1) : ''),
    },
    grid: { color: PALETTE.grid },
  };
}

/** A square 0..1 x 0..1 scatter chart (ROC and precision-recall): title, legend below, no tooltips. */
export function renderUnitSquareChart(
  datasets: ChartDataset<'scatter'>[],
  labels: { readonly title: string; readonly x: string; readonly y: string },
  options: ChartRenderOptions,
): Promise<Buffer> {
  const config: ChartConfiguration<'scatter'> = {
    type: 'scatter',
    data: { datasets },
    options: {
      layout: { padding: { right: 20, left: 4, top: 4, bottom: 4 } },
      plugins: chartPlugins(labels.title, options.subtitle),
      scales: { x: unitAxis(labels.x), y: unitAxis(labels.y) },
    },
  };
  return renderChart(config, sizeOf(options, 640, 660));
}
