import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { topics, type EventOf } from '@mlops/contracts';
import { MessagingContext } from '@mlops/messaging';
import { JsonLogger } from '@mlops/observability';
import type { EntityManager } from 'typeorm';
import { DatasetsService } from '../datasets/datasets.service.js';

/** Thin consumer of `mlops.data.record.v1`: appends the record in the idempotency transaction. */
@Controller()
export class DataRecordConsumer {
  constructor(
    @Inject(DatasetsService) private readonly datasets: DatasetsService,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  @EventPattern<string>(topics.dataRecord.name)
  async onRecord(
    @Payload() event: EventOf<typeof topics.dataRecord>,
    @Ctx() ctx: MessagingContext<EntityManager>,
  ): Promise<void> {
    const { datasetId, opened } = await this.datasets.appendRecord(event, ctx.getTransaction());
    if (opened) {
      this.logger.info('stream window opened', { eventId: event.eventId, datasetId, datasetName: event.payload.datasetName });
    }
  }
}
