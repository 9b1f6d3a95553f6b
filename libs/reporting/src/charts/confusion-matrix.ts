import type { ChartConfiguration, Plugin, Scale } from 'chart.js';
import {
  PALETTE,
  TICKS,
  axisTitle,
  chartContext,
  ChartError,
  chartPlugins,
  formatInt,
  renderChart,
  sizeOf,
  type ChartRenderOptions,
} from './theme.js';

/** Counts in scikit-learn's layout: `matrix[trueClass][predictedClass]` (binary: [[tn, fp], [fn, tp]]). */
export interface ConfusionMatrixData {
  readonly matrix: readonly (readonly number[])[];
  /** One name per class, in matrix order (default ['No churn', 'Churn'] for 2 classes, else '0'..). */
  readonly labels?: readonly string[];
}

/**
 * Heatmap of a confusion matrix drawn through chart.js: a scatter chart supplies the two category
 * axes and a plugin fills one cell per (true, predicted) pair, shaded by its count, with the count,
 * its share of all rows and its share of the true class (row-normalised, so the diagonal shows
 * recall per class). Rows are true classes (top = first class), columns predicted classes.
 *
 * @throws ChartError when the matrix is not square, is empty, or holds a negative or non-integer count.
 */
export async function renderConfusionMatrixChart(
  data: ConfusionMatrixData,
  options: ChartRenderOptions = {},
): Promise<Buffer> {
  const m = data.matrix;
  const k = m.length;
  if (k < 2) throw new ChartError(`matrix must be at least 2 x 2, got ${k} rows`);
  for (let i = 0; i < k; i++) {
    if (m[i]!.length !== k)
      throw new ChartError(`matrix must be square: row ${i} has ${m[i]!.length} columns, expected ${k}`);
    for (let j = 0; j < k; j++) {
      const v = m[i]![j]!;
      if (!(Number.isInteger(v) && v >= 0))
        throw new ChartError(`matrix[${i}][${j}] must be a non-negative integer count, got ${v}`);
    }
  }
  const labels =
    data.labels ?? (k === 2 ? ['No churn', 'Churn'] : Array.from({ length: k }, (_, i) => String(i)));
  if (labels.length !== k) throw new ChartError(`labels has ${labels.length} names for a ${k} x ${k} matrix`);
  const total = m.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  const rowTotals = m.map((row) => row.reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...m.flat());
  const cellNames =
    k === 2
      ? [
          ['True negative', 'False positive'],
          ['False negative', 'True positive'],
        ]
      : null;

  const cells: Plugin<'scatter'> = {
    id: 'confusionCells',
    beforeDatasetsDraw(chart) {
      const ctx = chartContext(chart);
      const xs = chart.scales['x']!;
      const ys = chart.scales['y']!;
      const family = String(chart.options.font?.family ?? 'sans-serif');
      ctx.save();
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const x0 = xs.getPixelForValue(j - 0.5);
          const x1 = xs.getPixelForValue(j + 0.5);
          const y0 = ys.getPixelForValue(i - 0.5);
          const y1 = ys.getPixelForValue(i + 0.5);
          const v = m[i]![j]!;
          const t = v / max;
          ctx.fillStyle = blues(t);
          ctx.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
          ctx.strokeStyle = PALETTE.background;
          ctx.lineWidth = 3;
          ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
          const cx = (x0 + x1) / 2;
          const cy = (y0 + y1) / 2;
          ctx.fillStyle = t > 0.5 ? '#ffffff' : PALETTE.text;
          ctx.textAlign = 'center';
          ctx.textBaseline = 'middle';
          if (cellNames) {
            ctx.font = `13px ${family}`;
            ctx.fillText(cellNames[i]![j]!, cx, cy - 38);
          }
          ctx.font = `bold 28px ${family}`;
          ctx.fillText(formatInt(v), cx, cy - 8);
          ctx.font = `13px ${family}`;
          const ofAll = total > 0 ? ((100 * v) / total).toFixed(1) : '0.0';
          const ofRow = rowTotals[i]! > 0 ? ((100 * v) / rowTotals[i]!).toFixed(1) : '0.0';
          ctx.fillText(`${ofAll}% of all`, cx, cy + 20);
          ctx.fillText(`${ofRow}% of true ${labels[i]!}`, cx, cy + 38);
        }
      }
      ctx.restore();
    },
  };

  const tick = (v: number | string): string => {
    const i = Number(v);
    return Number.isInteger(i) && i >= 0 && i < k ? labels[i]! : '';
  };
  const integerTicks = (scale: Scale): void => {
    scale.ticks = Array.from({ length: k }, (_, i) => ({ value: i }));
  };
  const config: ChartConfiguration<'scatter'> = {
    type: 'scatter',
    data: { datasets: [{ data: [], pointRadius: 0 }] },
    options: {
      layout: { padding: { right: 24, left: 4, top: 0, bottom: 4 } },
      plugins: chartPlugins(options.title ?? 'Confusion matrix', options.subtitle, false),
      scales: {
        x: {
          type: 'linear',
          min: -0.5,
          max: k - 0.5,
          title: axisTitle('Predicted class'),
          afterBuildTicks: integerTicks,
          ticks: { ...TICKS, font: { size: 14 }, callback: tick },
          grid: { display: false },
          border: { display: false },
        },
        y: {
          type: 'linear',
          min: -0.5,
          max: k - 0.5,
          reverse: true,
          title: axisTitle('True class'),
          afterBuildTicks: integerTicks,
          ticks: { ...TICKS, font: { size: 14 }, callback: tick },
          grid: { display: false },
          border: { display: false },
        },
      },
    },
    plugins: [cells],
  };
  return renderChart(config, sizeOf(options, 640, 580));
}

/** Sequential white -> blue scale (matplotlib 'Blues'-like), t in [0, 1]. */
function blues(t: number): string {
  const stops: readonly (readonly [number, number, number])[] = [
    [247, 251, 255],
    [198, 219, 239],
    [107, 174, 214],
    [33, 113, 181],
    [8, 48, 107],
  ];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  const c = (q: number): number => Math.round(a[q]! + (b[q]! - a[q]!) * f);
  return `rgb(${c(0)}, ${c(1)}, ${c(2)})`;
}
