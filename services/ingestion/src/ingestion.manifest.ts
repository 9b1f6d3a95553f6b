import { topics } from '@mlops/contracts';
import { defineManifest } from '@mlops/service-kit';

/**
 * Topics the ingestion service consumes and produces (docs/architecture.md, and the producers/consumers
 * of each topic in @mlops/contracts: `defineManifest` checks that both agree).
 */
export const ingestionManifest = defineManifest('ingestion', {
  consumes: [topics.systemPing, topics.dataRecord],
  produces: [topics.systemPong, topics.dataIngested, topics.featuresMaterialized],
});
