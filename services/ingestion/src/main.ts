import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { ingestionManifest } from './ingestion.manifest.js';
import { IngestionModule } from './ingestion.module.js';

await bootstrapService({
  name: 'ingestion',
  version: readPackageVersion(import.meta.url),
  module: IngestionModule,
  uses: { postgres: true, redis: true },
  manifest: ingestionManifest,
});
