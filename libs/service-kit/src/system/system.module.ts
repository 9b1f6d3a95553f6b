import { Module } from '@nestjs/common';
import { PingConsumer } from './ping.consumer.js';
import { PingResponder } from './ping-responder.service.js';
import { SystemController } from './system.controller.js';

/**
 * What every service answers besides its domain: the bus ping (`mlops.system.ping.v1` ->
 * `mlops.system.pong.v1`) and `GET /system/info` (name, version, instance, manifest, subscriptions).
 * Needs the global providers of the service root (EventPublisher, KafkaEventsServer, HealthRegistry,
 * SERVICE_INFO, JsonLogger).
 */
@Module({
  controllers: [PingConsumer, SystemController],
  providers: [PingResponder],
})
export class SystemModule {}
