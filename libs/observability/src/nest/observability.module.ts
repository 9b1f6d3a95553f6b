import { Global, Inject, Injectable, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { HealthRegistry, type HealthCheck } from '../health/health.registry.js';
import { JsonLogger, type LogLevel } from '../logger/json-logger.js';
import { HttpMetrics, instrumentFastify } from '../metrics/http-metrics.js';
import { createMetricsRegistry, MetricsRegistry } from '../metrics/metrics.registry.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';

export interface ObservabilityModuleOptions {
  /** Service name: `service` field of log lines and `service` label of every metric. */
  readonly service: string;
  readonly version: string;
  /** Checks known at module definition; others are added with `HealthRegistry.register`. */
  readonly checks?: Readonly<
    Record<string, HealthCheck | { readonly check: HealthCheck; readonly timeoutMs?: number }>
  >;
  /** Default timeout of a check (ms, default 2000). */
  readonly checkTimeoutMs?: number;
  /** Log level of the logger created when `logger` is not given (default info). */
  readonly logLevel?: LogLevel;
  readonly logger?: JsonLogger;
  readonly metrics?: MetricsRegistry;
  /** Record `http_requests_total` / `http_request_duration_seconds` (Fastify adapter; default true). */
  readonly httpMetrics?: boolean;
}

const OPTIONS = Symbol('ObservabilityModuleOptions');

/** Adds the HTTP metrics hook to the Fastify instance while the application initialises. */
@Injectable()
class HttpMetricsInstaller implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(HttpMetrics) private readonly httpMetrics: HttpMetrics,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(OPTIONS) private readonly options: ObservabilityModuleOptions,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (this.options.httpMetrics === false || adapter === undefined) return;
    if (adapter.getType() !== 'fastify') {
      this.logger.warn('HTTP metrics need the Fastify adapter (@nestjs/platform-fastify); none recorded', {
        adapter: adapter.getType(),
      });
      return;
    }
    instrumentFastify(adapter.getInstance<FastifyInstance>(), this.httpMetrics);
  }
}

/**
 * JSON logger, Prometheus registry, health registry and the endpoints `GET /health/live`,
 * `GET /health/ready`, `GET /health` and `GET /metrics` for a NestJS service on Fastify.
 * Global: any provider can inject `JsonLogger`, `MetricsRegistry`, `HealthRegistry` and
 * `HttpMetrics`, e.g. to register the `postgres` check next to the DataSource it checks.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityModuleOptions): DynamicModule {
    const logger =
      options.logger ?? new JsonLogger({ service: options.service, level: options.logLevel ?? 'info' });
    const metrics =
      options.metrics ?? createMetricsRegistry({ service: options.service, version: options.version });
    const health = new HealthRegistry({
      service: options.service,
      version: options.version,
      ...(options.checkTimeoutMs !== undefined ? { defaultTimeoutMs: options.checkTimeoutMs } : {}),
    });
    for (const [name, entry] of Object.entries(options.checks ?? {})) {
      if (typeof entry === 'function') health.register(name, entry);
      else
        health.register(
          name,
          entry.check,
          entry.timeoutMs !== undefined ? { timeoutMs: entry.timeoutMs } : {},
        );
    }
    return {
      module: ObservabilityModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: OPTIONS, useValue: options },
        { provide: JsonLogger, useValue: logger },
        { provide: MetricsRegistry, useValue: metrics },
        { provide: HealthRegistry, useValue: health },
        { provide: HttpMetrics, useValue: new HttpMetrics(metrics) },
        HttpMetricsInstaller,
      ],
      exports: [JsonLogger, MetricsRegistry, HealthRegistry, HttpMetrics],
    };
  }
}
