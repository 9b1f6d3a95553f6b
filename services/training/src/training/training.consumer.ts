import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EntityManager } from 'typeorm';
import { topics, type EventOf } from '@mlops/contracts';
import { MessagingContext } from '@mlops/messaging';
import { JsonLogger } from '@mlops/observability';
import { TrainingService } from './training.service.js';

/**
 * Thin consumer of training-requested: queues the job in the consumer's transaction (with the
 * dedupe record); the job itself runs after the commit (see {@link TrainingService}).
 */
@Controller()
export class TrainingConsumer {
  constructor(
    @Inject(TrainingService) private readonly training: TrainingService,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  @EventPattern<string>(topics.trainingRequested.name)
  async onTrainingRequested(
    @Payload() event: EventOf<typeof topics.trainingRequested>,
    @Ctx() ctx: MessagingContext<EntityManager | undefined>,
  ): Promise<void> {
    const queued = await this.training.accept(event, ctx.getTransaction());
    this.logger.info(
      queued ? 'training job queued' : 'training job exists already: duplicate request ignored',
      {
        eventId: event.eventId,
        trainingJobId: event.payload.trainingJobId,
        datasetId: event.payload.datasetId,
      },
    );
  }
}
