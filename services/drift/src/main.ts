import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { driftDefinition } from './drift.definition.js';

await bootstrapService(driftDefinition(readPackageVersion(import.meta.url)));
