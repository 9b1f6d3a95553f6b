import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { PlatformConfig } from '@mlops/config';
import {
  PLATFORM_CONFIG,
  DATASET_READER,
  HttpDatasetReader,
  ingestionBaseUrl,
  type DatasetReader,
} from '@mlops/service-kit';
import { loadSuite } from './validations/suite-loader.js';
import { ValidationConsumer } from './validations/validation.consumer.js';
import { ValidationController } from './validations/validation.controller.js';
import { TypeOrmValidationResults, ValidationResults } from './validations/validation.repository.js';
import {
  VALIDATION_SETTINGS,
  ValidationService,
  type ValidationSettings,
} from './validations/validation.service.js';

export interface ValidationModuleOptions {
  /** Replaces the HTTP reader of the ingestion service (tests). */
  readonly datasetReader?: DatasetReader;
}

/**
 * The validation service: runs the expectation suite on each ingested dataset version and keeps the results.
 *
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and /metrics,
 * the Kafka transport and publisher, the system ping responder, and its PostgreSQL schema `validation`.
 * The suite is loaded once here, at boot; an invalid or missing suite stops the boot.
 */
@Module({})
export class ValidationModule {
  static forRoot(options: ValidationModuleOptions = {}): DynamicModule {
    const reader: Provider =
      options.datasetReader !== undefined
        ? { provide: DATASET_READER, useValue: options.datasetReader }
        : {
            provide: DATASET_READER,
            inject: [PLATFORM_CONFIG],
            useFactory: (config: PlatformConfig): DatasetReader =>
              new HttpDatasetReader(ingestionBaseUrl(process.env, config.services.ingestion.http_port)),
          };
    return {
      module: ValidationModule,
      controllers: [ValidationController, ValidationConsumer],
      providers: [
        reader,
        {
          provide: VALIDATION_SETTINGS,
          inject: [PLATFORM_CONFIG],
          useFactory: (config: PlatformConfig): ValidationSettings => ({
            suite: loadSuite(config.validation.suite_path).suite,
            partialUnexpectedCount: config.validation.partial_unexpected_count,
            failPipelineOnFailure: config.validation.fail_pipeline_on_failure,
          }),
        },
        { provide: ValidationResults, useClass: TypeOrmValidationResults },
        ValidationService,
      ],
    };
  }
}
