import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { validationDefinition } from './validation.definition.js';

await bootstrapService(validationDefinition(readPackageVersion(import.meta.url)));
