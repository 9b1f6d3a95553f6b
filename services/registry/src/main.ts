import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { CreateRegistryTables1767398400000 } from './database/1767398400000-create-registry-tables.js';
import { registryEntities } from './database/registry.entities.js';
import { registryManifest } from './registry.manifest.js';
import { RegistryModule } from './registry.module.js';

await bootstrapService({
  name: 'registry',
  version: readPackageVersion(import.meta.url),
  module: RegistryModule,
  uses: { postgres: { entities: registryEntities, migrations: [CreateRegistryTables1767398400000] } },
  manifest: registryManifest,
});
