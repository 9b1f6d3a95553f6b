import { Module } from '@nestjs/common';
import { ConsumerLagMetrics } from './consumer-lag.metrics.js';
import { PingConsumer } from './ping.consumer.js';
import { PingResponder } from './ping-responder.service.js';
import { SystemController } from './system.controller.js';

/**
 * What every service answers besides its domain: the bus ping (`mlops.system.ping.v1` ->
 * `mlops.system.pong.v1`), `GET /system/info` (name, version, instance, manifest, subscriptions)
 * and its consumer lag on /metrics (`messaging_consumer_lag_messages`). Needs the global providers
 * of the service root (EventPublisher, KafkaEventsServer, HealthRegistry, MetricsRegistry,
 * SERVICE_INFO, JsonLogger).
 */
@Module({
  controllers: [PingConsumer, SystemController],
  providers: [PingResponder, ConsumerLagMetrics],
})
export class SystemModule {}
