import { z } from 'zod';
import {
  columnNameSchema,
  countSchema,
  isoDateTimeSchema,
  slugSchema,
  uniqueStrings,
  uuidSchema,
} from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

export const featuresMaterializedSchema = z.strictObject({
  /** The dataset version the features were computed from. */
  datasetId: uuidSchema,
  /** The feature view written, e.g. `customer_features`. */
  featureView: slugSchema,
  /** Entities (customers) written to the online store. */
  entityCount: countSchema,
  featureNames: uniqueStrings(columnNameSchema, 1, 1000),
  materializedAt: isoDateTimeSchema,
});
export type FeaturesMaterializedPayload = z.infer<typeof featuresMaterializedSchema>;

/**
 * `mlops.features.materialized.v1`: the features of a dataset version were written to the online
 * feature store (Redis), with the same feature definitions training uses.
 *
 * Produced by ingestion (after it stores a dataset). Consumed by serving (features of a
 * `customer_id` request are now fresh) and the pipeline service. Keyed by `datasetId`.
 */
export const featuresMaterializedTopic = defineTopic({
  name: 'mlops.features.materialized.v1',
  description: 'Features of a dataset version were written to the online feature store.',
  schema: featuresMaterializedSchema,
  key: (p) => p.datasetId,
  keyField: 'datasetId',
  producers: ['ingestion'],
  consumers: ['serving', 'pipeline'],
});
