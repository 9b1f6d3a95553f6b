import { topics } from '@mlops/contracts';
import { defineManifest } from '@mlops/service-kit';

/**
 * Topics the validation service consumes and produces (docs/architecture.md, and the producers/consumers
 * of each topic in @mlops/contracts: `defineManifest` checks that both agree).
 */
export const validationManifest = defineManifest('validation', {
  consumes: [topics.systemPing, topics.dataIngested],
  produces: [topics.systemPong, topics.dataValidationCompleted],
});
