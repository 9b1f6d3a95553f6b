import type { ChartConfiguration, ChartDataset } from 'chart.js';
import {
  PALETTE,
  TICKS,
  axisTitle,
  ChartError,
  chartPlugins,
  formatFixed,
  renderChart,
  sizeOf,
  type ChartRenderOptions,
} from './theme.js';

/** One trial of a study, as Optuna's trials_dataframe shows it. */
export interface TuningTrialPoint {
  readonly number: number;
  readonly value: number | null;
  readonly state: 'COMPLETE' | 'PRUNED' | 'FAIL' | 'RUNNING';
}

export interface TuningHistoryData {
  readonly trials: readonly TuningTrialPoint[];
  readonly direction: 'maximize' | 'minimize';
}

export interface TuningHistoryOptions extends ChartRenderOptions {
  /** Y axis title (default: validation ROC-AUC). */
  readonly valueLabel?: string;
}

/**
 * Optimisation history as Optuna's plot_optimization_history: each COMPLETE trial's objective
 * value, PRUNED trials with their last reported value (grey), and the best value so far as a step
 * line.
 *
 * @throws ChartError when no trial has a finite value.
 */
export async function renderTuningHistoryChart(
  data: TuningHistoryData,
  options: TuningHistoryOptions = {},
): Promise<Buffer> {
  const done = data.trials.filter(
    (t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value),
  );
  const pruned = data.trials.filter(
    (t) => t.state === 'PRUNED' && t.value !== null && Number.isFinite(t.value),
  );
  if (done.length === 0) throw new ChartError('no COMPLETE trial with a finite value: nothing to chart');
  const sorted = [...done].sort((a, b) => a.number - b.number);
  const better = (a: number, b: number): boolean => (data.direction === 'maximize' ? a > b : a < b);
  const bestSoFar: { x: number; y: number }[] = [];
  let best = sorted[0]!.value!;
  for (const t of sorted) {
    if (better(t.value!, best)) best = t.value!;
    bestSoFar.push({ x: t.number, y: best });
  }
  const lastNumber = Math.max(...data.trials.map((t) => t.number));
  bestSoFar.push({ x: lastNumber, y: best });
  const datasets: ChartDataset<'scatter'>[] = [
    {
      label: `Best so far (${formatFixed(best, 4)})`,
      data: bestSoFar,
      showLine: true,
      stepped: 'before',
      borderColor: PALETTE.secondary,
      backgroundColor: PALETTE.secondary,
      borderWidth: 2.2,
      pointRadius: 0,
      pointStyle: 'line',
    },
    {
      label: `Complete trials (${done.length})`,
      data: done.map((t) => ({ x: t.number, y: t.value! })),
      pointRadius: 4.5,
      backgroundColor: PALETTE.primary,
      borderColor: PALETTE.primary,
    },
  ];
  if (pruned.length > 0)
    datasets.push({
      label: `Pruned trials (${pruned.length}, last reported value)`,
      data: pruned.map((t) => ({ x: t.number, y: t.value! })),
      pointRadius: 4.5,
      pointStyle: 'crossRot',
      borderWidth: 2,
      backgroundColor: PALETTE.reference,
      borderColor: PALETTE.reference,
    });
  const config: ChartConfiguration<'scatter'> = {
    type: 'scatter',
    data: { datasets },
    options: {
      layout: { padding: { right: 20, left: 4, top: 4, bottom: 4 } },
      plugins: chartPlugins(options.title ?? 'Hyperparameter search history', options.subtitle),
      scales: {
        x: {
          type: 'linear',
          min: -0.5,
          max: lastNumber + 0.5,
          afterBuildTicks: (scale) => {
            const step = Math.max(1, Math.ceil((lastNumber + 1) / 10));
            scale.ticks = Array.from({ length: Math.floor(lastNumber / step) + 1 }, (_, i) => ({
              value: i * step,
            }));
          },
          title: axisTitle('Trial number'),
          ticks: { ...TICKS, precision: 0, maxTicksLimit: 11 },
          grid: { color: PALETTE.grid },
        },
        y: {
          type: 'linear',
          title: axisTitle(options.valueLabel ?? 'Validation ROC-AUC'),
          ticks: { ...TICKS, maxTicksLimit: 8 },
          grid: { color: PALETTE.grid },
        },
      },
    },
  };
  return renderChart(config, sizeOf(options, 800, 480));
}
