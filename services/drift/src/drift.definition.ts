import type { ServiceDefinition } from '@mlops/service-kit';
import { CreateDriftTables1767312000000 } from './database/1767312000000-create-drift-tables.js';
import { driftManifest } from './drift.manifest.js';
import { DriftModule, type DriftModuleOptions } from './drift.module.js';

/** The drift service's definition for `bootstrapService` / `startService` (tests pass options). */
export function driftDefinition(version: string, options: DriftModuleOptions = {}): ServiceDefinition {
  return {
    name: 'drift',
    version,
    module: DriftModule.forRoot(options),
    uses: { postgres: { migrations: [CreateDriftTables1767312000000] } },
    manifest: driftManifest,
  };
}
