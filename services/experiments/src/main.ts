import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { experimentsManifest } from './experiments.manifest.js';
import { ExperimentsModule } from './experiments.module.js';

await bootstrapService({
  name: 'experiments',
  version: readPackageVersion(import.meta.url),
  module: ExperimentsModule,
  uses: { postgres: true },
  manifest: experimentsManifest,
});
