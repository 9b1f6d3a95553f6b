import { z } from 'zod';
import { actorSchema, isoDateTimeSchema, slugSchema } from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

/** A pipeline run id, Airflow style: `scheduled__2026-03-01T00:00:00+00:00`, `manual__...`. */
export const pipelineRunIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,249}$/,
    'expected a run id of letters, digits and _ . : + - (at most 250)',
  );

export const pipelineRunRequestedSchema = z.strictObject({
  pipelineRunId: pipelineRunIdSchema,
  /** The DAG to run, e.g. `churn_training`. */
  dagName: slugSchema,
  /** The data interval the run stands for (Airflow's logical date). */
  logicalDate: isoDateTimeSchema,
  trigger: z.enum(['schedule', 'manual', 'drift']),
  requestedBy: actorSchema,
});
export type PipelineRunRequestedPayload = z.infer<typeof pipelineRunRequestedSchema>;

/**
 * `mlops.pipeline.run-requested.v1`: run a pipeline DAG for a logical date.
 *
 * Produced by the pipeline scheduler (inside the pipeline service), operators, and the pipeline
 * service itself on drift. Consumed by the pipeline service. Keyed by `pipelineRunId`.
 */
export const pipelineRunRequestedTopic = defineTopic({
  name: 'mlops.pipeline.run-requested.v1',
  description: 'Run a pipeline DAG for a logical date (schedule, manual, or drift trigger).',
  schema: pipelineRunRequestedSchema,
  key: (p) => p.pipelineRunId,
  keyField: 'pipelineRunId',
  producers: ['pipeline', 'operator'],
  consumers: ['pipeline'],
});
