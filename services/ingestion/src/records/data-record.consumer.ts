import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { topics, type EventOf } from '@mlops/contracts';
import { MessagingContext } from '@mlops/messaging';
import { JsonLogger } from '@mlops/observability';
import type { EntityManager } from 'typeorm';
import { DatasetsService } from '../datasets/datasets.service.js';

/** Thin consumer of `mlops.data.record.v1`: appends the record (and writes its online features) in the idempotency transaction. */
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
    const { datasetId, opened, features } = await this.datasets.appendRecord(event, ctx.getTransaction());
    if (features === 'stale') this.logger.info('record older than the stored features: kept the newer row', { eventId: event.eventId, datasetId, occurredAt: event.occurredAt });
    if (opened) {
      this.logger.info('stream window opened', { eventId: event.eventId, datasetId, datasetName: event.payload.datasetName });
    }
  }
}
