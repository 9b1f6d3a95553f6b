import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { registryManifest } from './registry.manifest.js';
import { RegistryModule } from './registry.module.js';

await bootstrapService({
  name: 'registry',
  version: readPackageVersion(import.meta.url),
  module: RegistryModule,
  uses: { postgres: true },
  manifest: registryManifest,
});
