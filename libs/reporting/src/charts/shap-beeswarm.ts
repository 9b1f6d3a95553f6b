import type { ChartConfiguration, Plugin } from 'chart.js';
import {
  PALETTE,
  TICKS,
  axisTitle,
  chartContext,
  ChartError,
  chartPlugins,
  renderChart,
  sizeOf,
  type ChartRenderOptions,
} from './theme.js';

/** SHAP values and the explained feature values, both row-major `[rows * features.length]`. */
export interface ShapSummaryData {
  readonly featureNames: readonly string[];
  /** `shapValues(...).values`: values[r * nFeatures + c]. */
  readonly shapValues: ArrayLike<number>;
  /** The feature values of the same rows, same layout (NaN = missing, drawn grey). */
  readonly featureValues: ArrayLike<number>;
}

export interface ShapSummaryOptions extends ChartRenderOptions {
  /** Features shown, by mean |SHAP| (default 20, shap's max_display). */
  readonly maxDisplay?: number;
  /** Seed of the tie-breaking noise in the swarm layout (default 0). */
  readonly seed?: number;
  /** X axis title (default: SHAP value on the log-odds scale). */
  readonly valueLabel?: string;
}

/**
 * Vertical offsets of one beeswarm row, as shap's `summary_legacy`/`beeswarm` plots lay them out:
 * the values are quantised into 100 bins over their range; inside a bin the points alternate
 * above and below the row (0, +1, -1, +2, -2, ...), in an order shuffled by tiny seeded noise,
 * and the offsets are scaled so the tallest stack fills 0.9 * rowHeight.
 *
 * @returns one offset per value, in row units, below 0.9 * rowHeight in magnitude.
 */
export function beeswarmOffsets(values: ArrayLike<number>, rowHeight = 0.4, seed = 0): Float64Array {
  const n = values.length;
  const ys = new Float64Array(n);
  if (n === 0) return ys;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  const nBins = 100;
  const quant = new Float64Array(n);
  const rng = mulberry32(seed);
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    quant[i] = Math.round((nBins * (values[i]! - min)) / (max - min + 1e-8));
    key[i] = quant[i]! + gaussian(rng) * 1e-6;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => key[a]! - key[b]!);
  let layer = 0;
  let lastBin = -1;
  let top = 0;
  for (const i of order) {
    if (quant[i] !== lastBin) layer = 0;
    ys[i] = layer === 0 ? 0 : Math.ceil(layer / 2) * ((layer % 2) * 2 - 1);
    top = Math.max(top, ys[i]!);
    layer++;
    lastBin = quant[i]!;
  }
  const scale = (0.9 * rowHeight) / (top + 1);
  for (let i = 0; i < n; i++) ys[i]! *= scale;
  return ys;
}

/**
 * numpy `nanpercentile(a, q)` with linear interpolation (the default method); NaN when every value
 * is NaN.
 */
export function nanPercentile(a: ArrayLike<number>, q: number): number {
  const v: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i]!)) v.push(a[i]!);
  if (v.length === 0) return NaN;
  v.sort((x, y) => x - y);
  const pos = (q / 100) * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(v.length - 1, lo + 1);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

/**
 * The colour range of one feature as shap's beeswarm: 5th to 95th percentile, falling back to
 * 1st..99th and then min..max when the range is empty (binary and skewed features).
 */
export function colorRange(values: ArrayLike<number>): [number, number] {
  let vmin = nanPercentile(values, 5);
  let vmax = nanPercentile(values, 95);
  if (vmin === vmax) {
    vmin = nanPercentile(values, 1);
    vmax = nanPercentile(values, 99);
    if (vmin === vmax) {
      vmin = nanPercentile(values, 0);
      vmax = nanPercentile(values, 100);
    }
  }
  if (vmin > vmax) vmin = vmax;
  return [vmin, vmax];
}

/** shap's red_blue map, approximated in RGB: t = 0 -> #008bfb (low), t = 1 -> #ff0052 (high). */
export function redBlue(t: number, alpha = 1): string {
  const u = Math.min(1, Math.max(0, t));
  const lo = [0, 139, 251];
  const hi = [255, 0, 82];
  const c = (k: number): number => Math.round(lo[k]! + (hi[k]! - lo[k]!) * u);
  return `rgba(${c(0)}, ${c(1)}, ${c(2)}, ${alpha})`;
}

/**
 * SHAP summary plot (shap's beeswarm): one row per feature, the `maxDisplay` features with the
 * largest mean |SHAP| from the top; each row's points are the rows' SHAP values on x, stacked
 * vertically by density ({@link beeswarmOffsets}) and coloured by the feature's value from low
 * (blue) to high (red) within the feature's 5th..95th percentile ({@link colorRange}); missing
 * feature values are grey. A colour bar on the right reads "Feature value: Low .. High".
 *
 * @throws ChartError when the arrays do not have rows * features entries or a SHAP value is not finite.
 */
export async function renderShapSummaryChart(
  data: ShapSummaryData,
  options: ShapSummaryOptions = {},
): Promise<Buffer> {
  const nF = data.featureNames.length;
  if (nF === 0) throw new ChartError('featureNames is empty');
  const total = data.shapValues.length;
  if (total % nF !== 0)
    throw new ChartError(`shapValues has ${total} entries, not a multiple of ${nF} features`);
  if (data.featureValues.length !== total)
    throw new ChartError(
      `featureValues has ${data.featureValues.length} entries, shapValues ${total}: pass the same rows and columns`,
    );
  const rows = total / nF;
  if (rows === 0) throw new ChartError('no rows to summarise');
  const meanAbs = new Float64Array(nF);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < nF; c++) {
      const v = data.shapValues[r * nF + c]!;
      if (!Number.isFinite(v))
        throw new ChartError(`shapValues[${r * nF + c}] is ${v}: SHAP values must be finite`);
      meanAbs[c]! += Math.abs(v);
    }
  const maxDisplay = Math.min(options.maxDisplay ?? 20, nF);
  const shown = Array.from({ length: nF }, (_, i) => i)
    .sort((a, b) => meanAbs[b]! - meanAbs[a]! || a - b)
    .slice(0, maxDisplay);
  const k = shown.length;

  const points: { x: number; y: number }[] = [];
  const colors: string[] = [];
  shown.forEach((c, rank) => {
    const s = new Float64Array(rows);
    const f = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      s[r] = data.shapValues[r * nF + c]!;
      f[r] = data.featureValues[r * nF + c]!;
    }
    const offsets = beeswarmOffsets(s, 0.4, (options.seed ?? 0) + c);
    const [vmin, vmax] = colorRange(f);
    const rowY = k - 1 - rank; // the most important feature on top
    for (let r = 0; r < rows; r++) {
      points.push({ x: s[r]!, y: rowY + offsets[r]! });
      const v = f[r]!;
      if (Number.isNaN(v)) colors.push(PALETTE.missing);
      else
        colors.push(
          redBlue(vmax > vmin ? (Math.min(vmax, Math.max(vmin, v)) - vmin) / (vmax - vmin) : 0.5, 0.85),
        );
    }
  });

  const colorBarWidth = 12;
  const colorBar: Plugin<'scatter'> = {
    id: 'shapColorBar',
    afterDraw(chart) {
      const ctx = chartContext(chart);
      const area = chart.chartArea;
      const family = String(chart.options.font?.family ?? 'sans-serif');
      const x = area.right + 22;
      const h = Math.min(area.bottom - area.top, 320);
      const y0 = area.top + (area.bottom - area.top - h) / 2;
      const g = ctx.createLinearGradient(0, y0 + h, 0, y0);
      for (let t = 0; t <= 1.0001; t += 0.125) g.addColorStop(Math.min(1, t), redBlue(t));
      ctx.save();
      ctx.fillStyle = g;
      ctx.fillRect(x, y0, colorBarWidth, h);
      ctx.fillStyle = PALETTE.text;
      ctx.font = `12px ${family}`;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText('High', x + colorBarWidth + 6, y0 + 6);
      ctx.fillText('Low', x + colorBarWidth + 6, y0 + h - 6);
      ctx.translate(x + colorBarWidth + 22, y0 + h / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.font = `bold 13px ${family}`;
      ctx.fillText('Feature value', 0, 0);
      ctx.restore();
    },
  };
  const zeroLine: Plugin<'scatter'> = {
    id: 'shapZeroLine',
    beforeDatasetsDraw(chart) {
      const ctx = chartContext(chart);
      const x = chart.scales['x']!.getPixelForValue(0);
      ctx.save();
      ctx.strokeStyle = '#9ca3af';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, chart.chartArea.top);
      ctx.lineTo(x, chart.chartArea.bottom);
      ctx.stroke();
      ctx.restore();
    },
  };

  const names = shown.map((c) => data.featureNames[c]!);
  const config: ChartConfiguration<'scatter'> = {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: 'rows',
          data: points,
          pointRadius: 2.4,
          pointBorderWidth: 0,
          pointBackgroundColor: colors,
          backgroundColor: colors,
        },
      ],
    },
    options: {
      layout: { padding: { right: 78, left: 4, top: 4, bottom: 4 } },
      plugins: chartPlugins(options.title ?? `SHAP summary (top ${k} features)`, options.subtitle, false),
      scales: {
        x: {
          type: 'linear',
          title: axisTitle(options.valueLabel ?? 'SHAP value (impact on model output, log-odds)'),
          ticks: { ...TICKS, maxTicksLimit: 10 },
          grid: { color: PALETTE.grid },
        },
        y: {
          type: 'linear',
          min: -0.5,
          max: k - 0.5,
          afterBuildTicks: (scale) => {
            scale.ticks = Array.from({ length: k }, (_, i) => ({ value: i }));
          },
          ticks: {
            ...TICKS,
            autoSkip: false,
            callback: (v: number | string) => names[k - 1 - Number(v)] ?? '',
          },
          grid: { color: '#eef0f3', lineWidth: 1 },
          border: { display: false },
        },
      },
    },
    plugins: [zeroLine, colorBar],
  };
  return renderChart(config, sizeOf(options, 900, Math.max(300, 130 + 30 * k)));
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
