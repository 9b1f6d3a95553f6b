import { z } from 'zod';
import { isoDateTimeSchema } from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';
import { driftKey, driftSubjectShape, refineDriftSubject } from './drift-common.js';

export const dataDriftCheckedSchema = z
  .strictObject({ ...driftSubjectShape, checkedAt: isoDateTimeSchema })
  .superRefine(refineDriftSubject);
export type DataDriftCheckedPayload = z.infer<typeof dataDriftCheckedSchema>;

/**
 * `mlops.data.drift-checked.v1`: a dataset version, or a window of served inputs, was compared
 * with the reference, drifted or not.
 *
 * Produced by drift. Consumed by the pipeline service (records the check). Keyed by `datasetId`,
 * or by `referenceId` for a window check (so the checks against one reference stay in order).
 */
export const dataDriftCheckedTopic = defineTopic({
  name: 'mlops.data.drift-checked.v1',
  description: 'Drift was checked against the reference: per-column tests, drifted share, dataset drift.',
  schema: dataDriftCheckedSchema,
  key: driftKey,
  keyField: 'datasetId ?? referenceId',
  producers: ['drift'],
  consumers: ['pipeline'],
});
