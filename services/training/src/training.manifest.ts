import { topics } from '@mlops/contracts';
import { defineManifest } from '@mlops/service-kit';

/**
 * Topics the training service consumes and produces (docs/architecture.md, and the producers/consumers
 * of each topic in @mlops/contracts: `defineManifest` checks that both agree).
 */
export const trainingManifest = defineManifest('training', {
  consumes: [
    topics.systemPing,
    topics.dataValidationCompleted,
    topics.dataDriftDetected,
    topics.trainingRequested,
  ],
  produces: [
    topics.systemPong,
    topics.trainingProgress,
    topics.trainingCompleted,
    topics.trainingFailed,
    topics.modelRegistered,
    topics.modelRejected,
  ],
});
