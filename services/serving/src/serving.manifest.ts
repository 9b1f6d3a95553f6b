import { topics } from '@mlops/contracts';
import { defineManifest } from '@mlops/service-kit';

/**
 * Topics the serving service consumes and produces (docs/architecture.md, and the producers/consumers
 * of each topic in @mlops/contracts: `defineManifest` checks that both agree).
 */
export const servingManifest = defineManifest('serving', {
  consumes: [
    topics.systemPing,
    topics.featuresMaterialized,
    topics.modelRegistered,
    topics.modelPromoted,
    topics.modelRolledBack,
    topics.experimentStarted,
    topics.experimentConcluded,
  ],
  produces: [topics.systemPong, topics.predictionServed],
});
