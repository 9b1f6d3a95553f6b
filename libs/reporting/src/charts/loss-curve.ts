import type { ChartConfiguration, ChartDataset, Plugin } from 'chart.js';
import {
  PALETTE,
  TICKS,
  axisTitle,
  chartContext,
  ChartError,
  chartPlugins,
  checkFinite,
  formatFixed,
  renderChart,
  sizeOf,
  type ChartRenderOptions,
} from './theme.js';

/** Per-round losses of a boosting run (the `onRound` callback's trainLoss / validLoss). */
export interface LossCurveData {
  readonly trainLoss: ArrayLike<number>;
  /** Same length as trainLoss when given. */
  readonly validLoss?: ArrayLike<number>;
  /** 0-based best round; default: argmin of validLoss (first of ties), none without validLoss. */
  readonly bestRound?: number;
}

export interface LossCurveOptions extends ChartRenderOptions {
  /** Y axis title (default: log loss). */
  readonly lossLabel?: string;
}

/**
 * Training and validation loss per boosting round (x = round, 1-based as XGBoost prints them),
 * with the best round marked by a vertical dashed line and a ring on the validation curve.
 *
 * @throws ChartError on an empty or non-finite series, series of different lengths, or a best
 *   round outside the series.
 */
export async function renderLossCurveChart(
  data: LossCurveData,
  options: LossCurveOptions = {},
): Promise<Buffer> {
  const n = data.trainLoss.length;
  if (n === 0) throw new ChartError('trainLoss is empty: record at least one round');
  checkFinite('trainLoss', data.trainLoss);
  if (data.validLoss) checkFinite('validLoss', data.validLoss, n);
  let best = data.bestRound;
  if (best === undefined && data.validLoss) {
    best = 0;
    for (let i = 1; i < n; i++) if (data.validLoss[i]! < data.validLoss[best]!) best = i;
  }
  if (best !== undefined && !(Number.isInteger(best) && best >= 0 && best < n))
    throw new ChartError(`bestRound must be an integer in [0, ${n - 1}], got ${best}`);

  const series = (a: ArrayLike<number>) => Array.from({ length: n }, (_, i) => ({ x: i + 1, y: a[i]! }));
  const datasets: ChartDataset<'scatter'>[] = [
    {
      label: 'Training',
      data: series(data.trainLoss),
      showLine: true,
      borderColor: PALETTE.primary,
      backgroundColor: PALETTE.primary,
      borderWidth: 2.2,
      pointRadius: 0,
      pointStyle: 'line',
    },
  ];
  if (data.validLoss)
    datasets.push({
      label: 'Validation',
      data: series(data.validLoss),
      showLine: true,
      borderColor: PALETTE.secondary,
      backgroundColor: PALETTE.secondary,
      borderWidth: 2.2,
      pointRadius: 0,
      pointStyle: 'line',
    });
  if (best !== undefined) {
    const y = data.validLoss ? data.validLoss[best]! : data.trainLoss[best]!;
    datasets.push({
      label: `Best round ${best + 1} (${data.validLoss ? 'validation' : 'training'} loss ${formatFixed(y, 4)})`,
      data: [{ x: best + 1, y }],
      pointRadius: 6,
      pointBorderWidth: 2.5,
      pointBackgroundColor: PALETTE.background,
      pointBorderColor: PALETTE.text,
      borderColor: PALETTE.text,
      backgroundColor: PALETTE.background,
    });
  }
  const bestLine: Plugin<'scatter'> = {
    id: 'bestRoundLine',
    beforeDatasetsDraw(chart) {
      if (best === undefined) return;
      const ctx = chartContext(chart);
      const x = chart.scales['x']!.getPixelForValue(best + 1);
      ctx.save();
      ctx.strokeStyle = PALETTE.neutral;
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      ctx.moveTo(x, chart.chartArea.top);
      ctx.lineTo(x, chart.chartArea.bottom);
      ctx.stroke();
      ctx.restore();
    },
  };
  const config: ChartConfiguration<'scatter'> = {
    type: 'scatter',
    data: { datasets },
    options: {
      layout: { padding: { right: 20, left: 4, top: 4, bottom: 4 } },
      plugins: chartPlugins(options.title ?? 'Loss per boosting round', options.subtitle),
      scales: {
        x: {
          type: 'linear',
          min: 1,
          max: n,
          title: axisTitle('Boosting round'),
          ticks: { ...TICKS, maxTicksLimit: 11, precision: 0 },
          grid: { color: PALETTE.grid },
        },
        y: {
          type: 'linear',
          title: axisTitle(options.lossLabel ?? 'Log loss (binary cross-entropy)'),
          ticks: { ...TICKS, maxTicksLimit: 8 },
          grid: { color: PALETTE.grid },
        },
      },
    },
    plugins: [bestLine],
  };
  return renderChart(config, sizeOf(options, 800, 520));
}
