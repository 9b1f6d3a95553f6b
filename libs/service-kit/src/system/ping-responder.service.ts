import { Inject, Injectable, Optional } from '@nestjs/common';
import { topics, type ConsumerLag, type EventOf, type SystemPongPayload } from '@mlops/contracts';
import { EventPublisher, KafkaEventsServer } from '@mlops/messaging';
import { HealthRegistry, JsonLogger } from '@mlops/observability';
import { SERVICE_INFO, type ServiceInfo } from '../service-info.js';

/** Pings older than this are not answered (the operator who sent them has stopped listening). */
export const PING_MAX_AGE_MS = 60_000;

/** Optional token of the clock the responder judges ping age with (default `Date.now`). */
export const PING_CLOCK = Symbol('PING_CLOCK');

/** What the responder reads, narrowed to what it uses (a KafkaEventsServer in the service). */
export interface ConsumerIntrospection {
  subscribedTopics(): string[];
  getConsumerLag(): Promise<ConsumerLag[]>;
}

/**
 * Answers `mlops.system.ping.v1` with one `mlops.system.pong.v1`: service, version, instance,
 * uptime, the topics this process consumes, its consumer lag per partition, and its readiness
 * (the same checks as `/health/ready`). A lasting diagnostic: an operator sees on the bus itself
 * which services are up, what they listen to and how far behind they are.
 */
@Injectable()
export class PingResponder {
  constructor(
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(KafkaEventsServer) private readonly consumer: ConsumerIntrospection,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Optional() @Inject(PING_CLOCK) now?: () => number,
  ) {
    this.now = now ?? Date.now;
  }

  private readonly now: () => number;

  /**
   * Publishes the pong of `ping`; returns it, or `undefined` for a ping older than
   * {@link PING_MAX_AGE_MS}. `partition` is where the ping was read: its offset is not committed
   * while it is being answered, so the ping itself is not counted in that partition's lag.
   */
  async answer(
    ping: EventOf<typeof topics.systemPing>,
    partition?: number,
  ): Promise<SystemPongPayload | undefined> {
    const log = this.logger.child({
      eventId: ping.eventId,
      correlationId: ping.correlationId,
      pingId: ping.payload.pingId,
    });
    const ageMs = this.now() - Date.parse(ping.payload.sentAt);
    if (ageMs > PING_MAX_AGE_MS) {
      log.debug('stale ping not answered', { ageMs, requestedBy: ping.payload.requestedBy });
      return undefined;
    }
    const [lag, readiness] = await Promise.all([this.lag(log), this.health.readiness()]);
    const consumerLag = lag.map((l) =>
      l.topic === topics.systemPing.name && l.partition === partition
        ? { ...l, lag: Math.max(0, l.lag - 1) }
        : l,
    );
    const pong: SystemPongPayload = {
      pingId: ping.payload.pingId,
      service: this.info.name,
      version: this.info.version,
      instanceId: this.info.instanceId,
      uptimeSeconds: Math.round((performance.now() - this.info.startedAt) / 10) / 100,
      subscribedTopics: this.consumer.subscribedTopics(),
      consumerLag,
      healthy: readiness.status === 'ready',
    };
    await this.publisher.publish(topics.systemPong, pong, { correlationId: ping.correlationId });
    log.info('ping answered', { requestedBy: ping.payload.requestedBy, healthy: pong.healthy });
    return pong;
  }

  /** The lag, or an empty list when Kafka's admin API does not answer (the pong still goes out). */
  private async lag(log: JsonLogger): Promise<ConsumerLag[]> {
    try {
      return await this.consumer.getConsumerLag();
    } catch (error) {
      log.warn('consumer lag unavailable for the pong', {
        error: error instanceof Error ? error.message : String(error),
      });
      return [];
    }
  }
}
