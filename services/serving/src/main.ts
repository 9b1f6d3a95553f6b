import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { servingManifest } from './serving.manifest.js';
import { ServingModule } from './serving.module.js';

await bootstrapService({
  name: 'serving',
  version: readPackageVersion(import.meta.url),
  module: ServingModule,
  uses: { redis: true },
  manifest: servingManifest,
});
