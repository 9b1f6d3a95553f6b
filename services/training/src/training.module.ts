import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { PlatformConfig } from '@mlops/config';
import { validateModel } from '@mlops/training';
import { ingestionBaseUrl, PLATFORM_CONFIG } from '@mlops/service-kit';
import {
  DATASET_SOURCE,
  FileDatasetSource,
  ingestionDatasetSource,
  type DatasetSource,
} from './datasets/dataset-source.js';
import { TrainingJobs, TypeOrmTrainingJobs } from './jobs/training-jobs.repository.js';
import {
  HttpTrainingRegistry,
  registryBaseUrl,
  TRAINING_REGISTRY_TOKEN,
  type TrainingRegistry,
} from './registry/training-registry.js';
import { TrainingJobsController } from './training/training-jobs.controller.js';
import { TrainingConsumer } from './training/training.consumer.js';
import {
  MODEL_GATE,
  TRAINING_SETTINGS,
  TrainingService,
  type TrainingSettings,
} from './training/training.service.js';

export interface TrainingModuleOptions {
  /** Replaces the dataset source (tests); default: the file of `TRAINING_DATA_PATH` when set, else ingestion over HTTP. */
  readonly datasetSource?: DatasetSource;
  /** Replaces the registry client (tests); default: the registry service over HTTP (`REGISTRY_URL`). */
  readonly registry?: TrainingRegistry;
  /** Environment read for the URLs and the data path (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/** The settings of the jobs from the platform config. */
export function trainingSettings(config: PlatformConfig): TrainingSettings {
  const gate = config.model_validation;
  return {
    config: { data: config.data, training: config.training },
    modelName: config.serving.model_name,
    experimentName: config.registry.default_experiment,
    gate: {
      thresholds: { ...config.training.thresholds },
      blocking: [...gate.blocking],
      advisory: [...gate.advisory],
      limits: {
        maxModelSizeMb: gate.max_model_size_mb,
        maxP99LatencyMs: gate.max_p99_latency_ms,
        maxMemoryMb: gate.max_memory_mb,
      },
    },
  };
}

/**
 * The training service: trains and tunes the candidate models, gates them on the thresholds and registers the winner.
 *
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and /metrics,
 * the Kafka transport and publisher, the system ping responder, and its PostgreSQL schema `training`.
 */
@Module({})
export class TrainingModule {
  static forRoot(options: TrainingModuleOptions = {}): DynamicModule {
    const env = options.env ?? process.env;
    const source: Provider =
      options.datasetSource !== undefined
        ? { provide: DATASET_SOURCE, useValue: options.datasetSource }
        : {
            provide: DATASET_SOURCE,
            inject: [PLATFORM_CONFIG],
            useFactory: (config: PlatformConfig): DatasetSource => {
              const settings = { data: config.data, training: config.training };
              const path = env['TRAINING_DATA_PATH']?.trim();
              return path
                ? new FileDatasetSource(path, settings)
                : ingestionDatasetSource(ingestionBaseUrl(env, config.services.ingestion.http_port), settings);
            },
          };
    const registry: Provider =
      options.registry !== undefined
        ? { provide: TRAINING_REGISTRY_TOKEN, useValue: options.registry }
        : {
            provide: TRAINING_REGISTRY_TOKEN,
            inject: [PLATFORM_CONFIG],
            useFactory: (config: PlatformConfig): TrainingRegistry =>
              new HttpTrainingRegistry(registryBaseUrl(env, config.services.registry.http_port)),
          };
    return {
      module: TrainingModule,
      controllers: [TrainingConsumer, TrainingJobsController],
      providers: [
        source,
        registry,
        { provide: TRAINING_SETTINGS, inject: [PLATFORM_CONFIG], useFactory: trainingSettings },
        { provide: MODEL_GATE, useValue: validateModel },
        { provide: TrainingJobs, useClass: TypeOrmTrainingJobs },
        TrainingService,
      ],
    };
  }
}
