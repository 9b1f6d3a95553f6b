import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EntityManager } from 'typeorm';
import { topics, type EventOf } from '@mlops/contracts';
import { MessagingContext } from '@mlops/messaging';
import { JsonLogger } from '@mlops/observability';
import { DriftService } from './drift.service.js';

/** Thin consumers: validation-completed (dataset checks) and prediction-served (the live window). */
@Controller()
export class DriftConsumer {
  constructor(
    @Inject(DriftService) private readonly drift: DriftService,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  @EventPattern<string>(topics.dataValidationCompleted.name)
  async onValidationCompleted(
    @Payload() event: EventOf<typeof topics.dataValidationCompleted>,
    @Ctx() ctx: MessagingContext<EntityManager | undefined>,
  ): Promise<void> {
    const outcome = await this.drift.onValidated(event, ctx.getTransaction());
    if (outcome.kind === 'skipped') {
      this.logger.info('drift check skipped', {
        eventId: event.eventId,
        datasetId: event.payload.datasetId,
        passed: event.payload.passed,
        reason: outcome.reason,
      });
      return;
    }
    const { check } = outcome;
    this.logger.info('drift checked', {
      eventId: event.eventId,
      datasetId: check.datasetId,
      checkId: check.checkId,
      referenceId: check.referenceId,
      referenceSet: outcome.referenceSet,
      driftedColumns: check.columns.filter((c) => c.drifted).map((c) => c.column),
      datasetDrift: check.datasetDrift,
    });
  }

  @EventPattern<string>(topics.predictionServed.name)
  async onPredictionServed(
    @Payload() event: EventOf<typeof topics.predictionServed>,
    @Ctx() ctx: MessagingContext<EntityManager | undefined>,
  ): Promise<void> {
    await this.drift.recordServed(event, ctx.getTransaction());
  }
}
