import { topics } from '@mlops/contracts';
import { defineManifest } from '@mlops/service-kit';

/**
 * Topics the drift service consumes and produces (docs/architecture.md, and the producers/consumers
 * of each topic in @mlops/contracts: `defineManifest` checks that both agree).
 *
 * Dataset checks are driven by validation-completed: only a dataset that passed is compared.
 */
export const driftManifest = defineManifest('drift', {
  consumes: [
    topics.systemPing,
    topics.dataValidationCompleted,
    topics.predictionServed,
    topics.outcomeObserved,
  ],
  produces: [topics.systemPong, topics.dataDriftChecked, topics.dataDriftDetected],
});
