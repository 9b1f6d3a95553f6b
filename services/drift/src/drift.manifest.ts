import { topics } from '@mlops/contracts';
import { defineManifest } from '@mlops/service-kit';

/**
 * Topics the drift service consumes and produces (docs/architecture.md, and the producers/consumers
 * of each topic in @mlops/contracts: `defineManifest` checks that both agree).
 *
 * Dataset checks are driven by validation-completed. data-ingested is still listed because
 * @mlops/contracts still names drift among its consumers (that entry is owned elsewhere; no handler
 * subscribes to it any more, which bootstrap allows): drop both together.
 */
export const driftManifest = defineManifest('drift', {
  consumes: [
    topics.systemPing,
    topics.dataIngested,
    topics.dataValidationCompleted,
    topics.predictionServed,
    topics.outcomeObserved,
  ],
  produces: [topics.systemPong, topics.dataDriftChecked, topics.dataDriftDetected],
});
