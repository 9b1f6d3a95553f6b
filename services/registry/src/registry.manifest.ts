import { topics } from '@mlops/contracts';
import { defineManifest } from '@mlops/service-kit';

/**
 * Topics the registry service consumes and produces (docs/architecture.md, and the producers/consumers
 * of each topic in @mlops/contracts: `defineManifest` checks that both agree).
 */
export const registryManifest = defineManifest('registry', {
  consumes: [topics.systemPing, topics.experimentConcluded],
  produces: [topics.systemPong, topics.modelPromoted, topics.modelRolledBack],
});
