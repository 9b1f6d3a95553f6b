import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EntityManager } from 'typeorm';
import { topics, type EventOf } from '@mlops/contracts';
import { MessagingContext } from '@mlops/messaging';
import { JsonLogger } from '@mlops/observability';
import { ValidationService } from './validation.service.js';

/** Thin consumer of data-ingested: logs ids, hands off to {@link ValidationService}. */
@Controller()
export class ValidationConsumer {
  constructor(
    @Inject(ValidationService) private readonly validations: ValidationService,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  @EventPattern<string>(topics.dataIngested.name)
  async onDataIngested(
    @Payload() event: EventOf<typeof topics.dataIngested>,
    @Ctx() ctx: MessagingContext<EntityManager | undefined>,
  ): Promise<void> {
    const started = performance.now();
    const done = await this.validations.validateIngested(event, ctx.getTransaction());
    this.logger.info('dataset validated', {
      eventId: event.eventId,
      datasetId: done.datasetId,
      suite: done.suiteName,
      passed: done.passed,
      failing: done.statistics.unsuccessful,
      seconds: Math.round(performance.now() - started) / 1000,
    });
  }
}
