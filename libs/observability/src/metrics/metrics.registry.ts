import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { assertMetricName, type MetricKind } from './metric-name.js';

export interface MetricsRegistryOptions {
  /** Value of the `service` label set on every series. */
  readonly service: string;
  /** Build version, exported as `build_info{version}` = 1. */
  readonly version?: string;
  /** Collect prom-client's default process and Node.js metrics (default true). */
  readonly defaultMetrics?: boolean;
}

interface MetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds of the buckets (default: prom-client's, 5 ms to 10 s). */
  readonly buckets?: readonly number[];
}

export interface GaugeOptions<L extends string> extends MetricOptions<L> {
  /**
   * Called at every scrape before the gauge is read (prom-client's `collect`): sets the values of
   * what is measured on demand (e.g. consumer lag). May be async; the scrape waits for it, so it
   * must bound its own time.
   */
  readonly collect?: (gauge: Gauge<L>) => void | Promise<void>;
}

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

/**
 * A prom-client registry for one service: default metrics, the `service` default label and
 * get-or-create helpers that validate names (see `metricNameProblems`). Asking twice for the same
 * name returns the same metric; asking for it with another type or other labels throws.
 */
export class MetricsRegistry {
  readonly registry: Registry;
  readonly service: string;
  private readonly kinds = new Map<string, { kind: MetricKind; labels: string; metric: AnyMetric }>();

  constructor(options: MetricsRegistryOptions) {
    if (options.service.trim() === '')
      throw new Error('MetricsRegistry: options.service must name the service');
    this.service = options.service;
    this.registry = new Registry();
    this.registry.setDefaultLabels({ service: options.service });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    if (options.version !== undefined) {
      this.gauge({
        name: 'build_info',
        help: 'Build of the running service (value is always 1)',
        labelNames: ['version'],
      })
        .labels({ version: options.version })
        .set(1);
    }
  }

  /** Get or create a counter (name must end in `_total`). */
  counter<L extends string = string>(options: MetricOptions<L>): Counter<L> {
    return this.getOrCreate(
      'counter',
      options,
      () =>
        new Counter<L>({
          name: options.name,
          help: options.help,
          labelNames: options.labelNames ?? [],
          registers: [this.registry],
        }),
    ) as Counter<L>;
  }

  /** Get or create a gauge (`collect`, when given, only when it is created). */
  gauge<L extends string = string>(options: GaugeOptions<L>): Gauge<L> {
    const collect = options.collect;
    return this.getOrCreate(
      'gauge',
      options,
      () =>
        new Gauge<L>({
          name: options.name,
          help: options.help,
          labelNames: options.labelNames ?? [],
          registers: [this.registry],
          ...(collect !== undefined
            ? {
                collect(this: Gauge<L>) {
                  return collect(this);
                },
              }
            : {}),
        }),
    ) as Gauge<L>;
  }

  /** Get or create a histogram (name must end in a unit such as `_seconds`). */
  histogram<L extends string = string>(options: HistogramOptions<L>): Histogram<L> {
    return this.getOrCreate(
      'histogram',
      options,
      () =>
        new Histogram<L>({
          name: options.name,
          help: options.help,
          labelNames: options.labelNames ?? [],
          ...(options.buckets !== undefined ? { buckets: [...options.buckets] } : {}),
          registers: [this.registry],
        }),
    ) as Histogram<L>;
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content-Type of {@link metrics} (`text/plain; version=0.0.4; charset=utf-8`). */
  get contentType(): string {
    return this.registry.contentType;
  }

  private getOrCreate(kind: MetricKind, options: MetricOptions<string>, create: () => AnyMetric): AnyMetric {
    const labels = [...(options.labelNames ?? [])].sort().join(',');
    const existing = this.kinds.get(options.name);
    if (existing !== undefined) {
      if (existing.kind !== kind || existing.labels !== labels) {
        throw new Error(
          `Metric "${options.name}" is already registered as a ${existing.kind} with labels [${existing.labels}]; asked for a ${kind} with labels [${labels}]`,
        );
      }
      return existing.metric;
    }
    assertMetricName(kind, options.name, options.labelNames ?? []);
    const metric = create();
    this.kinds.set(options.name, { kind, labels, metric });
    return metric;
  }
}

/** Creates the metrics registry of a service (see {@link MetricsRegistry}). */
export function createMetricsRegistry(options: MetricsRegistryOptions): MetricsRegistry {
  return new MetricsRegistry(options);
}
