import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import {
  Chart,
  registerables,
  type ChartConfiguration,
  type ChartDataset,
  type ChartType,
  type DefaultDataPoint,
  type Plugin,
  type Scale,
} from 'chart.js';

Chart.register(...registerables);

/** DejaVu Sans ships with most Linux images (and the Docker image); the canvas falls back to any sans. */
export const FONT_FAMILY = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";

/** One palette for every chart and the HTML report (Tailwind-like tones, colour-blind-safe pairs). */
export const PALETTE = {
  primary: '#2563eb',
  primaryFill: 'rgba(37, 99, 235, 0.12)',
  secondary: '#ea580c',
  accent: '#7c3aed',
  good: '#16a34a',
  bad: '#dc2626',
  neutral: '#6b7280',
  reference: '#9ca3af',
  grid: '#e5e7eb',
  text: '#1f2937',
  muted: '#6b7280',
  background: '#ffffff',
  /** Low and high ends of shap's red_blue colour map (feature value low -> high). */
  low: '#008bfb',
  high: '#ff0052',
  missing: '#b0b0b0',
} as const;

Chart.defaults.font.family = FONT_FAMILY;
Chart.defaults.font.size = 13;
Chart.defaults.color = PALETTE.text;
Chart.defaults.borderColor = PALETTE.grid;

/** Size and title of a rendered chart; sizes are CSS pixels, the PNG has `pixelRatio` times as many. */
export interface ChartRenderOptions {
  /** Width in CSS pixels (default per chart). */
  readonly width?: number;
  /** Height in CSS pixels (default per chart). */
  readonly height?: number;
  /** Device pixel ratio of the PNG (default 2: a 800x600 chart is a 1600x1200 PNG). */
  readonly pixelRatio?: number;
  /** Replaces the chart's default title. */
  readonly title?: string;
  /** A second, smaller line under the title (data split, n, model...). */
  readonly subtitle?: string;
}

/** Error of bad chart inputs: names the argument and says what to pass. */
export class ChartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartError';
  }
}

/** Fills the whole canvas before anything is drawn (chart.js leaves it transparent). */
const backgroundPlugin: Plugin = {
  id: 'mlopsBackground',
  beforeDraw(chart) {
    const ctx = chart.ctx as SKRSContext2D;
    ctx.save();
    ctx.fillStyle = PALETTE.background;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** The canvas context chart.js draws with (chart.js types it against the DOM, which we do not load). */
export function chartContext(chart: Chart): SKRSContext2D {
  return chart.ctx as SKRSContext2D;
}

/** Title and subtitle plugin options in the house style. */
export function titleOptions(title: string, subtitle: string | undefined) {
  return {
    title: {
      display: true,
      text: title,
      align: 'start' as const,
      color: PALETTE.text,
      font: { size: 17, weight: 'bold' as const },
      padding: { top: 4, bottom: subtitle ? 2 : 12 },
    },
    subtitle: {
      display: subtitle !== undefined && subtitle !== '',
      text: subtitle ?? '',
      align: 'start' as const,
      color: PALETTE.muted,
      font: { size: 13 },
      padding: { bottom: 12 },
    },
  };
}

/** An axis title in the house style. */
export function axisTitle(text: string) {
  return {
    display: true,
    text,
    color: PALETTE.text,
    font: { size: 13, weight: 'bold' as const },
    padding: { top: 6, bottom: 4 },
  };
}

/** Tick label style. */
export const TICKS = { color: PALETTE.text, font: { size: 12 } } as const;

/** Legend options in the house style: each entry drawn with its dataset's pointStyle ('line' for curves). */
export function legendOptions(position: 'top' | 'bottom' | 'right' = 'bottom') {
  return {
    display: true,
    position,
    labels: {
      color: PALETTE.text,
      font: { size: 12 },
      boxWidth: 28,
      boxHeight: 12,
      padding: 16,
      usePointStyle: true,
    },
  };
}

/**
 * The plugin options every static chart uses: the title and subtitle, the legend (`false`: none)
 * and no tooltips (the charts are images).
 */
export function chartPlugins(
  title: string,
  subtitle: string | undefined,
  legend: 'top' | 'bottom' | 'right' | false = 'bottom',
) {
  return {
    ...titleOptions(title, subtitle),
    legend: legend === false ? { display: false } : legendOptions(legend),
    tooltip: { enabled: false },
  };
}

/** A dashed two-point line in the reference colour (chance diagonal, no-skill baseline, perfect calibration). */
export function referenceLineDataset(
  label: string,
  from: { x: number; y: number },
  to: { x: number; y: number },
): ChartDataset<'scatter'> {
  return {
    label,
    data: [from, to],
    showLine: true,
    borderColor: PALETTE.reference,
    borderDash: [6, 5],
    borderWidth: 1.5,
    pointRadius: 0,
    pointStyle: 'line',
  };
}

/** Forces a y axis to a fixed width so stacked panels line up (chart.js `afterFit`). */
export function fixedWidth(width: number): (scale: Scale) => void {
  return (scale) => {
    scale.width = width;
  };
}

/**
 * Draws a chart.js configuration on a native canvas of `width x height` CSS pixels at
 * `pixelRatio`, hands the canvas to `use`, then releases the chart (chart.js clears the canvas on
 * destroy, so `use` must encode or copy it). Animation and responsiveness are off.
 */
export async function withChart<R, T extends ChartType = ChartType, D = DefaultDataPoint<T>, L = unknown>(
  config: ChartConfiguration<T, D, L>,
  size: { readonly width: number; readonly height: number; readonly pixelRatio: number },
  use: (canvas: Canvas) => R | Promise<R>,
): Promise<R> {
  const { width, height, pixelRatio } = size;
  checkSize(width, height, pixelRatio);
  const canvas = createCanvas(width, height);
  const item = canvas.getContext('2d') as unknown as ConstructorParameters<typeof Chart>[0];
  const options = {
    ...(config.options ?? {}),
    animation: false,
    responsive: false,
    devicePixelRatio: pixelRatio,
  };
  const plugins = [backgroundPlugin, ...(config.plugins ?? [])];
  const chart = new Chart(item, { ...config, options, plugins } as unknown as ChartConfiguration);
  try {
    return await use(canvas);
  } finally {
    chart.destroy();
  }
}

/** Renders a chart.js configuration to PNG bytes (see {@link withChart}). */
export function renderChart<T extends ChartType, D = DefaultDataPoint<T>, L = unknown>(
  config: ChartConfiguration<T, D, L>,
  size: { readonly width: number; readonly height: number; readonly pixelRatio: number },
): Promise<Buffer> {
  return withChart(config, size, (canvas) => canvas.encode('png'));
}

/**
 * Renders several chart.js configurations as panels stacked top to bottom in one PNG (all at the
 * same width and pixel ratio), e.g. a reliability diagram over its histogram.
 */
export async function renderStacked(
  panels: readonly { readonly config: ChartConfiguration; readonly height: number }[],
  width: number,
  pixelRatio: number,
): Promise<Buffer> {
  const total = panels.reduce((s, p) => s + p.height, 0);
  checkSize(width, total, pixelRatio);
  const out = createCanvas(Math.floor(width * pixelRatio), Math.floor(total * pixelRatio));
  const ctx = out.getContext('2d');
  ctx.fillStyle = PALETTE.background;
  ctx.fillRect(0, 0, out.width, out.height);
  let y = 0;
  for (const p of panels) {
    await withChart(p.config, { width, height: p.height, pixelRatio }, (canvas) =>
      ctx.drawImage(canvas, 0, Math.floor(y * pixelRatio)),
    );
    y += p.height;
  }
  return out.encode('png');
}

function checkSize(width: number, height: number, pixelRatio: number): void {
  if (!(Number.isInteger(width) && width >= 100 && width <= 4000))
    throw new ChartError(`width must be an integer number of CSS pixels in [100, 4000], got ${width}`);
  if (!(Number.isInteger(height) && height >= 100 && height <= 4000))
    throw new ChartError(`height must be an integer number of CSS pixels in [100, 4000], got ${height}`);
  if (!(pixelRatio > 0 && pixelRatio <= 4))
    throw new ChartError(`pixelRatio must be in (0, 4], got ${pixelRatio}`);
}

/** `1234567` -> `1,234,567`. */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Fixed decimals, `-0.000` printed as `0.000`, NaN as `n/a`. */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'n/a';
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** Checks a numeric array argument: length and finite values. */
export function checkFinite(name: string, a: ArrayLike<number>, length?: number): void {
  if (length !== undefined && a.length !== length)
    throw new ChartError(`${name} has ${a.length} values, expected ${length}`);
  for (let i = 0; i < a.length; i++)
    if (!Number.isFinite(a[i]!)) throw new ChartError(`${name}[${i}] is ${a[i]}: pass finite numbers only`);
}

/** Resolved size of a chart: the options' values or the chart's defaults. */
export function sizeOf(options: ChartRenderOptions, width: number, height: number) {
  return {
    width: options.width ?? width,
    height: options.height ?? height,
    pixelRatio: options.pixelRatio ?? 2,
  };
}
