import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConsumerLag } from '@mlops/contracts';
import { KafkaEventsServer } from '@mlops/messaging';
import { JsonLogger, MetricsRegistry } from '@mlops/observability';
import type { ConsumerIntrospection } from './ping-responder.service.js';

/** The gauge's name: messages behind, per topic and partition this service's group consumes. */
export const CONSUMER_LAG_METRIC = 'messaging_consumer_lag_messages';

/**
 * How long a scrape waits for the lag (Kafka's admin API) before it answers without it: well under
 * Prometheus's scrape timeout (4 s in deploy/prometheus), so a slow or absent broker costs the
 * scrape this metric, never the whole /metrics.
 */
export const CONSUMER_LAG_SCRAPE_TIMEOUT_MS = 1_500;

/** Optional token of another scrape timeout (ms) than {@link CONSUMER_LAG_SCRAPE_TIMEOUT_MS}. */
export const CONSUMER_LAG_TIMEOUT = Symbol('CONSUMER_LAG_TIMEOUT');

/**
 * Exports the consumer group's lag as the gauge `messaging_consumer_lag_messages{topic, partition}`
 * (high watermark minus committed offset, as the pong reports it), read from Kafka at each scrape.
 * One admin read at a time: a scrape that comes while the last one is still waiting shares it.
 * When the read fails or takes longer than {@link CONSUMER_LAG_SCRAPE_TIMEOUT_MS}, the scrape has
 * no lag series (an absent series, not a stale value; Grafana shows the gap).
 */
@Injectable()
export class ConsumerLagMetrics {
  private inFlight: Promise<ConsumerLag[]> | undefined;
  private failures = 0;

  constructor(
    @Inject(KafkaEventsServer) private readonly consumer: ConsumerIntrospection,
    @Inject(MetricsRegistry) metrics: MetricsRegistry,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Optional() @Inject(CONSUMER_LAG_TIMEOUT) timeout?: number,
  ) {
    const timeoutMs = timeout ?? CONSUMER_LAG_SCRAPE_TIMEOUT_MS;
    metrics.gauge<'topic' | 'partition'>({
      name: CONSUMER_LAG_METRIC,
      help: 'Messages not yet consumed by this service, per topic and partition (high watermark - committed offset)',
      labelNames: ['topic', 'partition'],
      collect: async (gauge) => {
        const lag = await this.read(timeoutMs);
        gauge.reset();
        for (const l of lag ?? []) gauge.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
      },
    });
  }

  /** The lag, or undefined when Kafka did not answer in time (logged once per run of failures). */
  private async read(timeoutMs: number): Promise<ConsumerLag[] | undefined> {
    const read = (this.inFlight ??= this.consumer.getConsumerLag().finally(() => {
      this.inFlight = undefined;
    }));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    try {
      const got = await Promise.race([read, timeout]);
      if (got === 'timeout') throw new Error(`Kafka's admin API did not answer in ${timeoutMs} ms`);
      if (this.failures > 0)
        this.logger.info('consumer lag metric available again', { failedScrapes: this.failures });
      this.failures = 0;
      return got;
    } catch (error) {
      if (this.failures++ === 0)
        this.logger.warn(
          'consumer lag unavailable for /metrics; the scrape has no lag series until Kafka answers',
          {
            error: error instanceof Error ? error.message : String(error),
          },
        );
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
