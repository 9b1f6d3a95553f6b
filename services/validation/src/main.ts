import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { validationManifest } from './validation.manifest.js';
import { ValidationModule } from './validation.module.js';

await bootstrapService({
  name: 'validation',
  version: readPackageVersion(import.meta.url),
  module: ValidationModule,
  uses: { postgres: true },
  manifest: validationManifest,
});
