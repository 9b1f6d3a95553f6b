import { bootstrapService } from '@mlops/service-kit';
import { registryDefinition } from './registry.definition.js';

await bootstrapService(registryDefinition(import.meta.url));
