import { topics } from '@mlops/contracts';
import { defineManifest } from '@mlops/service-kit';

/**
 * Topics the experiments service consumes and produces (docs/architecture.md, and the producers/consumers
 * of each topic in @mlops/contracts: `defineManifest` checks that both agree).
 */
export const experimentsManifest = defineManifest('experiments', {
  consumes: [
    topics.systemPing,
    topics.modelRegistered,
    topics.modelPromoted,
    topics.modelRolledBack,
    topics.predictionServed,
    topics.outcomeObserved,
  ],
  produces: [topics.systemPong, topics.experimentStarted, topics.experimentConcluded],
});
