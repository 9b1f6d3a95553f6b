import { z } from 'zod';
import {
  actorSchema,
  columnListSchema,
  countSchema,
  isoDateTimeSchema,
  kafkaTopicSchema,
  positiveIntSchema,
  sha256HexSchema,
  slugSchema,
  textSchema,
  timeWindowSchema,
  uuidSchema,
} from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

/** Where the rows came from, with the details of each kind. */
export const ingestionSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('upload'),
    fileName: textSchema(255),
    sizeBytes: countSchema,
  }),
  z.strictObject({
    kind: z.literal('batch'),
    /** Caller of the REST batch endpoint. */
    submittedBy: actorSchema,
  }),
  z.strictObject({
    kind: z.literal('stream'),
    /** Topic the records were read from (normally `mlops.data.record.v1`). */
    topic: kafkaTopicSchema,
    window: timeWindowSchema,
  }),
]);
export type IngestionSource = z.infer<typeof ingestionSourceSchema>;

export const dataIngestedSchema = z.strictObject({
  datasetId: uuidSchema,
  /** Logical dataset name, e.g. `telco-customers`; versions count per name. */
  datasetName: slugSchema,
  version: positiveIntSchema,
  /** SHA-256 of the stored content (the canonical CSV of the accepted rows). */
  contentHash: sha256HexSchema,
  /** Accepted rows. */
  rowCount: countSchema,
  /** Malformed rows kept aside with their line number and reason. */
  quarantinedCount: countSchema,
  columns: columnListSchema,
  source: ingestionSourceSchema,
  storedAt: isoDateTimeSchema,
});
export type DataIngestedPayload = z.infer<typeof dataIngestedSchema>;

/**
 * `mlops.data.ingested.v1`: a new dataset version is stored in PostgreSQL.
 *
 * Produced by ingestion (CSV upload, REST batch, or a window of streamed records). Consumed by
 * validation (runs the suite); drift acts on the validation verdict instead
 * (`mlops.data.validation-completed.v1`); the pipeline service follows it. Keyed by `datasetId`.
 */
export const dataIngestedTopic = defineTopic({
  name: 'mlops.data.ingested.v1',
  description: 'A dataset version was stored: content hash, row and quarantine counts, schema, source.',
  schema: dataIngestedSchema,
  key: (p) => p.datasetId,
  keyField: 'datasetId',
  producers: ['ingestion'],
  consumers: ['validation', 'pipeline'],
});
