import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { ingestionDatabase } from './ingestion.database.js';
import { ingestionManifest } from './ingestion.manifest.js';
import { IngestionModule } from './ingestion.module.js';

await bootstrapService({
  name: 'ingestion',
  version: readPackageVersion(import.meta.url),
  module: IngestionModule,
  uses: { postgres: ingestionDatabase, redis: true },
  manifest: ingestionManifest,
});
