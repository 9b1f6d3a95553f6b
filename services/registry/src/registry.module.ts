import { Module } from '@nestjs/common';
import { PLATFORM_CONFIG } from '@mlops/service-kit';
import type { PlatformConfig } from '@mlops/config';
import { ArtifactStore } from '@mlops/registry';
import { ArtifactsService } from '@mlops/registry';
import { LocalArtifactStore } from '@mlops/registry';
import { MlflowArtifactsController } from './artifacts/mlflow-artifacts.controller.js';
import { RawBodyParser } from './artifacts/raw-body.parser.js';
import { MlflowController } from './mlflow/mlflow.controller.js';
import { ModelRegistryController } from './model-registry/model-registry.controller.js';
import { ArtifactDigests, ModelRegistryService, OutboxFlusher } from '@mlops/registry';
import { ModelRegistryStore } from '@mlops/registry';
import { TypeOrmModelRegistryStore } from '@mlops/registry';
import { OpenApiController } from './openapi/openapi.controller.js';
import { OutboxRelay } from './outbox/outbox.relay.js';
import { TrackingController } from './tracking/tracking.controller.js';
import { TrackingService } from '@mlops/registry';
import { TrackingStore } from '@mlops/registry';
import { TypeOrmTrackingStore } from '@mlops/registry';

/** The artifact store of the configuration (`registry.storage`); only `local` is built in so far. */
export function artifactStoreFor(config: PlatformConfig): ArtifactStore {
  if (config.registry.storage !== 'local') {
    throw new Error(
      `registry.storage=${config.registry.storage}: only the local store is implemented; an S3 store implements ArtifactStore (services/registry/src/artifacts/artifact.store.ts)`,
    );
  }
  return new LocalArtifactStore(config.registry.artifact_root);
}

/**
 * The registry service: keeps runs, metrics, artifacts and model versions; promotes and rolls back
 * stages and aliases. Its own API under `/api/v1` (OpenAPI at `/api/v1/openapi.json`) and MLflow's
 * REST subset under `/api/2.0/mlflow` and `/api/2.0/mlflow-artifacts`.
 *
 * The platform wiring comes from `bootstrapService` (libs/service-kit): config, /health and /metrics,
 * the Kafka transport and publisher, the system ping responder, and its PostgreSQL schema `registry`
 * with the entities and migrations passed in main.ts.
 */
@Module({
  controllers: [TrackingController, ModelRegistryController, MlflowController, MlflowArtifactsController, OpenApiController],
  providers: [
    { provide: TrackingStore, useClass: TypeOrmTrackingStore },
    { provide: ModelRegistryStore, useClass: TypeOrmModelRegistryStore },
    { provide: ArtifactStore, useFactory: artifactStoreFor, inject: [PLATFORM_CONFIG] },
    ArtifactsService,
    { provide: ArtifactDigests, useExisting: ArtifactsService },
    OutboxRelay,
    { provide: OutboxFlusher, useExisting: OutboxRelay },
    TrackingService,
    ModelRegistryService,
    RawBodyParser,
  ],
})
export class RegistryModule {}
