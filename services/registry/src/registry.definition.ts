import { readPackageVersion, type ServiceDefinition } from '@mlops/service-kit';
import { registryEntities, registryMigrations } from '@mlops/registry';
import { registryManifest } from './registry.manifest.js';
import { RegistryModule } from './registry.module.js';

/** The registry service as `bootstrapService` / `startService` take it: its tables and migrations in schema `registry`. */
export function registryDefinition(moduleUrl: string): ServiceDefinition {
  return {
    name: 'registry',
    version: readPackageVersion(moduleUrl),
    module: RegistryModule,
    uses: { postgres: { entities: registryEntities, migrations: registryMigrations } },
    manifest: registryManifest,
  };
}
