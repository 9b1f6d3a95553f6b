import { z } from 'zod';
import { columnNameSchema, isoDateTimeSchema, uniqueStrings } from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';
import { driftKey, driftSubjectShape, refineDriftSubject } from '../data-drift-checked/drift-common.js';

export const dataDriftDetectedSchema = z
  .strictObject({
    ...driftSubjectShape,
    /** Names of the drifted columns: exactly the columns whose result has `drifted: true`. */
    driftedColumns: uniqueStrings(columnNameSchema, 1, 1000),
    detectedAt: isoDateTimeSchema,
  })
  .superRefine(refineDriftSubject)
  .superRefine((p, ctx) => {
    const drifted = p.columns
      .filter((c) => c.drifted)
      .map((c) => c.column)
      .sort();
    const listed = [...p.driftedColumns].sort();
    if (drifted.join('\u0000') !== listed.join('\u0000')) {
      ctx.addIssue({
        code: 'custom',
        path: ['driftedColumns'],
        message: `driftedColumns must list exactly the drifted columns [${drifted.join(', ')}]`,
      });
    }
  });
export type DataDriftDetectedPayload = z.infer<typeof dataDriftDetectedSchema>;

/**
 * `mlops.data.drift-detected.v1`: at least one column drifted (`datasetDrift` says whether the
 * dataset as a whole did). Emitted after the matching drift-checked event, same `checkId`.
 *
 * Produced by drift. Consumed by the pipeline service (may request retraining with reason
 * `drift`) and training. Keyed like drift-checked: `datasetId`, or `referenceId` for a window.
 */
export const dataDriftDetectedTopic = defineTopic({
  name: 'mlops.data.drift-detected.v1',
  description: 'Columns drifted from the reference: which ones, the drifted share, dataset drift.',
  schema: dataDriftDetectedSchema,
  key: driftKey,
  keyField: 'datasetId ?? referenceId',
  producers: ['drift'],
  consumers: ['pipeline', 'training'],
});
