import type { ServiceDefinition } from '@mlops/service-kit';
import { servingManifest } from './serving.manifest.js';
import { ServingModule } from './serving.module.js';
import type { ServingModuleOptions } from './serving.options.js';

/** The serving service's definition for `bootstrapService` / `startService` (tests pass options). */
export function servingDefinition(version: string, options: ServingModuleOptions = {}): ServiceDefinition {
  return { name: 'serving', version, module: ServingModule.forRoot(options), uses: { redis: true }, manifest: servingManifest };
}
