import { readPackageVersion, type ServiceDefinition } from '@mlops/service-kit';
import { CreateRegistryTables1767398400000, MetricsRunCheckPerStatement1795726075000 } from '@mlops/registry';
import { registryEntities } from '@mlops/registry';
import { registryManifest } from './registry.manifest.js';
import { RegistryModule } from './registry.module.js';

/** The registry service as `bootstrapService` / `startService` take it: its tables and migrations in schema `registry`. */
export function registryDefinition(moduleUrl: string): ServiceDefinition {
  return {
    name: 'registry',
    version: readPackageVersion(moduleUrl),
    module: RegistryModule,
    uses: { postgres: { entities: registryEntities, migrations: [CreateRegistryTables1767398400000, MetricsRunCheckPerStatement1795726075000] } },
    manifest: registryManifest,
  };
}
