import { bootstrapService, readPackageVersion } from '@mlops/service-kit';
import { trainingDefinition } from './training.definition.js';

await bootstrapService(trainingDefinition(readPackageVersion(import.meta.url)));
