import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { servingDefinition } from './serving.definition.js';

await bootstrapService(servingDefinition(readPackageVersion(import.meta.url)));
