import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PlatformConfig } from '@mlops/config';
import { topics, type ServedPrediction, type ServedPredictionJson, type Variant } from '@mlops/contracts';
import { EventPublisher, MESSAGING_OPTIONS, type MessagingModuleOptions } from '@mlops/messaging';
import { JsonLogger, MetricsRegistry } from '@mlops/observability';
import { PLATFORM_CONFIG, REDIS } from '@mlops/service-kit';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Counter, Histogram } from 'prom-client';
import { ModelManager } from '../model/model-manager.service.js';
import type { ServedModel } from '../model/served-model.js';
import { SERVING_OPTIONS, type ServingModuleOptions } from '../serving.options.js';
import { RedisCustomerFeatureReader } from './customer-features.reader.js';
import { PredictionEventBatcher } from './prediction-events.js';
import type { PredictionRequest } from './prediction-request.js';
import { PredictionService, type Prediction } from './prediction.service.js';
import { ServingError } from './serving.error.js';
import { WorkerEventPublisher } from './worker-event-publisher.js';

/** Request latency buckets: 0.25 ms to 1 s (the goal is a p99 under 10 ms). */
const BUCKETS = [0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** At most one error log per this many milliseconds for predictions that break the contract. */
const INVALID_LOG_INTERVAL_MS = 10_000;

export type ServingRoute = 'rest' | 'grpc_predict' | 'grpc_predict_batch';

/**
 * The entry both transports call: runs {@link PredictionService}, records
 * `serving_requests_total{route,model_version,status}` and
 * `serving_request_duration_seconds{route,model_version}` (model_version: the champion version of
 * the snapshot the request used), and queues the prediction-served events.
 */
@Injectable()
export class ServingPredictions implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly service: PredictionService;
  readonly events: PredictionEventBatcher;
  readonly maxBatch: number;
  readonly bodyLimit: number;
  private readonly requests: Counter<'route' | 'model_version' | 'status'>;
  private readonly duration: Histogram<'route' | 'model_version'>;
  private readonly predictions: Counter<'model_version' | 'variant'>;
  /** Publishes the prediction-served batches off the event loop (when the Kafka messaging module is there). */
  private readonly eventThread: WorkerEventPublisher | undefined;
  /** Predictions that broke the contract since the last error log, and when that log was written. */
  private invalidSinceLog = 0;
  private invalidLoggedAt = -Infinity;

  constructor(
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    @Inject(SERVING_OPTIONS) options: ServingModuleOptions,
    @Inject(ModelManager) models: ModelManager,
    @Inject(EventPublisher) publisher: EventPublisher,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(MetricsRegistry) metrics: MetricsRegistry,
    @Inject(REDIS) redis: Redis,
    @Optional() @Inject(MESSAGING_OPTIONS) messaging?: MessagingModuleOptions,
  ) {
    const s = config.serving;
    this.maxBatch = s.max_batch_size;
    this.bodyLimit = s.body_limit_bytes;
    this.requests = metrics.counter({ name: 'serving_requests_total', help: 'Prediction requests, by route, champion model version and status', labelNames: ['route', 'model_version', 'status'] });
    this.duration = metrics.histogram({ name: 'serving_request_duration_seconds', help: 'Prediction request time in the handler (parse, features, model, answer)', labelNames: ['route', 'model_version'], buckets: BUCKETS });
    this.predictions = metrics.counter({ name: 'serving_predictions_total', help: 'Rows predicted, by model version and variant', labelNames: ['model_version', 'variant'] });
    const dropped = metrics.counter({ name: 'serving_prediction_events_dropped_total', help: 'Served predictions not published (the bounded buffer was full while Kafka was slow or down, or the prediction broke the contract)' });
    const published = metrics.counter({ name: 'serving_prediction_events_published_total', help: 'Served predictions published in prediction-served events' });
    if (messaging !== undefined) {
      this.eventThread = new WorkerEventPublisher({
        connection: { clientId: `${messaging.clientId}-events`, brokers: [...messaging.brokers], ...(messaging.kafka ? { kafka: messaging.kafka } : {}), producerName: messaging.producerName ?? messaging.clientId, compression: s.prediction_events.compression },
        log: (level, message, fields) => this.logger[level](message, fields),
      });
    }
    const thread = this.eventThread;
    this.events = new PredictionEventBatcher({
      maxBatch: Math.min(1000, s.prediction_events.max_batch),
      flushIntervalMs: s.prediction_events.flush_interval_ms,
      maxBuffered: Math.max(50_000, s.prediction_events.max_batch),
      publish: async (batch: readonly ServedPredictionJson[]) => {
        if (thread?.alive) await thread.publish(batch);
        // Rare (the thread failed): parse the texts back and publish on the main thread.
        else await publisher.publish(topics.predictionServed, { batchId: randomUUID(), predictions: batch.map((j) => JSON.parse(j) as ServedPrediction) });
        published.inc(batch.length);
      },
      onDrop: (n) => dropped.inc(n),
      onInvalid: (e) => this.invalidPrediction(e),
      onError: (e) => this.logger.warn('prediction-served publish failed; batch kept in the bounded buffer', { error: String(e), buffered: this.events.buffered }),
    });
    const features = options.featureReader ?? new RedisCustomerFeatureReader(redis, config.features.online_store);
    this.service = new PredictionService(
      models.slots,
      {
        aliases: models.aliases,
        canary: { enabled: s.canary.enabled, share: s.canary.traffic_share },
        shadow: { enabled: s.shadow.enabled },
      },
      {
        served: (p) => this.events.add(p),
        counted: (m: ServedModel, variant: Variant, rows: number) => this.predictions.inc({ model_version: String(m.metadata.version), variant }, rows),
        shadowFailed: (e) => this.logger.warn('shadow prediction failed', { error: String(e) }),
      },
      features,
    );
  }

  /** A served prediction broke the contract (a bug here): dropped and counted by the batcher; logged at most every 10 s. */
  private invalidPrediction(error: unknown): void {
    this.invalidSinceLog++;
    const now = performance.now();
    if (now - this.invalidLoggedAt < INVALID_LOG_INTERVAL_MS) return;
    this.logger.error('served prediction breaks the prediction-served contract; not published', {
      error: error instanceof Error ? error.message : String(error),
      invalidSinceLastLog: this.invalidSinceLog,
    });
    this.invalidLoggedAt = now;
    this.invalidSinceLog = 0;
  }

  onApplicationBootstrap(): void {
    this.events.start();
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.events.close();
    } finally {
      await this.eventThread?.close();
    }
  }

  /** Predicts and records the request metrics; errors are rethrown for the transport to map. */
  async predict(route: ServingRoute, request: PredictionRequest): Promise<Prediction[]> {
    const started = performance.now();
    const snap = this.service.snapshot;
    const version = snap.champion ? String(snap.champion.metadata.version) : 'none';
    let status = 'ok';
    try {
      return await this.service.predict(request, snap);
    } catch (error) {
      status = error instanceof ServingError ? error.code : 'error';
      throw error;
    } finally {
      this.requests.inc({ route, model_version: version, status });
      this.duration.observe({ route, model_version: version }, (performance.now() - started) / 1000);
    }
  }

  /** Records a request rejected before it reached {@link predict} (bad JSON, too large). */
  rejected(route: ServingRoute, status: string): void {
    const snap = this.service.snapshot;
    this.requests.inc({ route, model_version: snap.champion ? String(snap.champion.metadata.version) : 'none', status });
  }
}
