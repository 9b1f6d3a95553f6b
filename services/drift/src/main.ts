import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { driftManifest } from './drift.manifest.js';
import { DriftModule } from './drift.module.js';

await bootstrapService({
  name: 'drift',
  version: readPackageVersion(import.meta.url),
  module: DriftModule,
  uses: { postgres: true },
  manifest: driftManifest,
});
