import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { topics, type EventOf } from '@mlops/contracts';
import { JsonLogger } from '@mlops/observability';
import { ModelManager } from './model-manager.service.js';

/** Thin consumers: promotions and rollbacks of the served model swap it (ModelManager). */
@Controller()
export class ModelEventsConsumer {
  constructor(
    @Inject(ModelManager) private readonly models: ModelManager,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  @EventPattern<string>(topics.modelPromoted.name)
  onPromoted(@Payload() event: EventOf<typeof topics.modelPromoted>): void {
    const slots = this.models.onPromoted(event.payload);
    this.logger.info('model promoted', { eventId: event.eventId, modelName: event.payload.modelName, modelVersion: event.payload.version, alias: event.payload.alias ?? null, toStage: event.payload.toStage, slots });
  }

  @EventPattern<string>(topics.modelRolledBack.name)
  onRolledBack(@Payload() event: EventOf<typeof topics.modelRolledBack>): void {
    const slots = this.models.onRolledBack(event.payload);
    this.logger.info('model rolled back', { eventId: event.eventId, slots, modelName: event.payload.modelName, fromVersion: event.payload.fromVersion, toVersion: event.payload.toVersion });
  }
}
