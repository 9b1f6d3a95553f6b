import { Module } from '@nestjs/common';
import { PLATFORM_CONFIG } from '@mlops/service-kit';
import type { PlatformConfig } from '@mlops/config';
import { BodyParsersInstaller } from './datasets/csv-body.parser.js';
import { DatasetStore } from './datasets/dataset.store.js';
import { DatasetsController } from './datasets/datasets.controller.js';
import { DatasetsService } from './datasets/datasets.service.js';
import { IngestionSweeper } from './datasets/ingestion-sweeper.js';
import { TypeOrmDatasetStore } from './datasets/typeorm-dataset.store.js';
import { FeatureMaterializer } from './features/feature-materializer.js';
import { OnlineFeatureWriter, RedisOnlineFeatureWriter } from './features/online-feature-writer.js';
import { DataRecordConsumer } from './records/data-record.consumer.js';
import { DataSchema } from './schema/data-schema.js';
import { INGESTION_SETTINGS, readIngestionSettings } from './settings/ingestion-settings.js';

/**
 * The ingestion service: stores dataset versions (CSV upload, REST batches, streamed records) in
 * its schema, quarantines bad rows and emits data-ingested for every committed version.
 *
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and
 * /metrics, the Kafka transport and publisher, the system ping responder, its PostgreSQL schema
 * `ingestion` (entities and migrations from main.ts) and Redis, where every accepted row's online
 * features are written (libs/feature-store; features/feature-materializer.ts).
 */
@Module({
  controllers: [DatasetsController, DataRecordConsumer],
  providers: [
    { provide: INGESTION_SETTINGS, useFactory: () => readIngestionSettings() },
    { provide: DataSchema, inject: [PLATFORM_CONFIG], useFactory: (config: PlatformConfig) => new DataSchema(config.data) },
    { provide: DatasetStore, useClass: TypeOrmDatasetStore },
    { provide: OnlineFeatureWriter, useClass: RedisOnlineFeatureWriter },
    FeatureMaterializer,
    DatasetsService,
    BodyParsersInstaller,
    IngestionSweeper,
  ],
})
export class IngestionModule {}
