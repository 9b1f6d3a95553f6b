import { z } from 'zod';
import { customerIdSchema, rowValuesSchema, slugSchema } from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

export const dataRecordSchema = z.strictObject({
  customerId: customerIdSchema,
  /** Dataset the record belongs to, e.g. `telco-customers`. */
  datasetName: slugSchema,
  /** Raw column values as the source has them; `null` for a missing value. */
  values: rowValuesSchema,
});
export type DataRecordPayload = z.infer<typeof dataRecordSchema>;

/**
 * `mlops.data.record.v1`: one raw customer record, for streaming ingestion.
 *
 * Produced by external systems (CRM, billing) or operators. Consumed by ingestion, which checks,
 * stores and windows the records into dataset versions (then emits `mlops.data.ingested.v1`).
 * Keyed by `customerId`, so the records of a customer stay in order.
 */
export const dataRecordTopic = defineTopic({
  name: 'mlops.data.record.v1',
  description: 'A raw customer record for streaming ingestion.',
  schema: dataRecordSchema,
  key: (p) => p.customerId,
  keyField: 'customerId',
  producers: ['operator'],
  consumers: ['ingestion'],
});
