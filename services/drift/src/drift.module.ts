import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { PlatformConfig } from '@mlops/config';
import {
  PLATFORM_CONFIG,
  DATASET_READER,
  HttpDatasetReader,
  ingestionBaseUrl,
  type DatasetReader,
} from '@mlops/service-kit';
import { DRIFT_SETTINGS, driftSettingsFromConfig } from './drift/drift-settings.js';
import { DriftConsumer } from './drift/drift.consumer.js';
import { DriftController } from './drift/drift.controller.js';
import { DriftStore, PgDriftStore } from './drift/drift.repository.js';
import { DriftService } from './drift/drift.service.js';

export interface DriftModuleOptions {
  /** Replaces the HTTP reader of the ingestion service (tests). */
  readonly datasetReader?: DatasetReader;
}

/**
 * The drift service: checks new data and live prediction windows against the reference for drift.
 *
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and /metrics,
 * the Kafka transport and publisher, the system ping responder, and its PostgreSQL schema `drift`.
 */
@Module({})
export class DriftModule {
  static forRoot(options: DriftModuleOptions = {}): DynamicModule {
    const reader: Provider = options.datasetReader
      ? { provide: DATASET_READER, useValue: options.datasetReader }
      : {
          provide: DATASET_READER,
          inject: [PLATFORM_CONFIG],
          useFactory: (c: PlatformConfig): DatasetReader =>
            new HttpDatasetReader(ingestionBaseUrl(process.env, c.services.ingestion.http_port)),
        };
    return {
      module: DriftModule,
      controllers: [DriftController, DriftConsumer],
      providers: [
        reader,
        { provide: DRIFT_SETTINGS, inject: [PLATFORM_CONFIG], useFactory: driftSettingsFromConfig },
        { provide: DriftStore, useClass: PgDriftStore },
        DriftService,
      ],
    };
  }
}
