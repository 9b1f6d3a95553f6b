import type { ServiceDefinition } from '@mlops/service-kit';
import { CreateValidationResults1767312000000 } from './database/1767312000000-create-validation-results.js';
import { validationManifest } from './validation.manifest.js';
import { ValidationModule, type ValidationModuleOptions } from './validation.module.js';
import { ValidationResultEntity } from './validations/validation-result.entity.js';

/** The validation service's definition for `bootstrapService` / `startService` (tests pass options). */
export function validationDefinition(
  version: string,
  options: ValidationModuleOptions = {},
): ServiceDefinition {
  return {
    name: 'validation',
    version,
    module: ValidationModule.forRoot(options),
    uses: {
      postgres: { entities: [ValidationResultEntity], migrations: [CreateValidationResults1767312000000] },
    },
    manifest: validationManifest,
  };
}
