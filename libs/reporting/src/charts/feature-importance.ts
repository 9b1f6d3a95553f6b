import type { ChartConfiguration, Plugin } from 'chart.js';
import {
  PALETTE,
  TICKS,
  axisTitle,
  chartContext,
  ChartError,
  chartPlugins,
  checkFinite,
  renderChart,
  sizeOf,
  type ChartRenderOptions,
} from './theme.js';

/** Importances per feature, in any order (e.g. GradientBoostingClassifier.featureImportances('gain')). */
export interface FeatureImportanceData {
  readonly features: readonly string[];
  readonly importances: ArrayLike<number>;
}

export interface FeatureImportanceOptions extends ChartRenderOptions {
  /** Bars shown, largest first (default 20). */
  readonly topK?: number;
  /** X axis title, e.g. the importance type and its unit (default: XGBoost's 'gain'). */
  readonly valueLabel?: string;
  /** Decimals of the value printed at the end of each bar (default: 3 significant digits). */
  readonly digits?: number;
}

/**
 * Horizontal bar chart of the `topK` largest importances, largest at the top, with the value at
 * the end of each bar. Features with importance 0 are left out (never used by the model).
 * Height grows with the number of bars unless `options.height` is given.
 *
 * @throws ChartError when the arrays differ in length or hold a non-finite value.
 */
export async function renderFeatureImportanceChart(
  data: FeatureImportanceData,
  options: FeatureImportanceOptions = {},
): Promise<Buffer> {
  const n = data.features.length;
  checkFinite('importances', data.importances, n);
  const topK = options.topK ?? 20;
  if (!Number.isInteger(topK) || topK < 1) throw new ChartError(`topK must be an integer >= 1, got ${topK}`);
  const order = Array.from({ length: n }, (_, i) => i)
    .filter((i) => data.importances[i]! > 0)
    .sort((a, b) => data.importances[b]! - data.importances[a]! || a - b)
    .slice(0, topK);
  if (order.length === 0)
    throw new ChartError('importances are all 0: nothing to chart (was the model fitted?)');
  const labels = order.map((i) => data.features[i]!);
  const values = order.map((i) => data.importances[i]!);
  const fmt = (v: number): string =>
    options.digits !== undefined ? v.toFixed(options.digits) : v.toPrecision(3);

  const valueLabels: Plugin<'bar'> = {
    id: 'barValues',
    afterDatasetsDraw(chart) {
      const ctx = chartContext(chart);
      const meta = chart.getDatasetMeta(0);
      ctx.save();
      ctx.font = `12px ${String(chart.options.font?.family ?? 'sans-serif')}`;
      ctx.fillStyle = PALETTE.text;
      ctx.textBaseline = 'middle';
      meta.data.forEach((bar, i) => {
        ctx.fillText(fmt(values[i]!), bar.x + 6, bar.y);
      });
      ctx.restore();
    },
  };

  const config: ChartConfiguration<'bar', number[], string> = {
    type: 'bar',
    data: {
      labels,
      datasets: [
        {
          label: 'importance',
          data: values,
          backgroundColor: PALETTE.primary,
          borderRadius: 2,
          barPercentage: 0.78,
          categoryPercentage: 0.92,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      // the value label of the longest bar may run into the right padding
      layout: { padding: { right: 48, left: 4, top: 4, bottom: 4 } },
      plugins: chartPlugins(
        options.title ?? `Feature importance (top ${order.length})`,
        options.subtitle,
        false,
      ),
      scales: {
        x: {
          beginAtZero: true,
          // room for the value labels at the end of the longest bar
          grace: '12%',
          title: axisTitle(options.valueLabel ?? 'Gain (average loss reduction per split)'),
          ticks: { ...TICKS, maxTicksLimit: 8 },
          grid: { color: PALETTE.grid },
        },
        y: { ticks: { ...TICKS, autoSkip: false }, grid: { display: false } },
      },
    },
    plugins: [valueLabels],
  };
  return renderChart(config, sizeOf(options, 900, Math.max(260, 110 + 26 * order.length)));
}
