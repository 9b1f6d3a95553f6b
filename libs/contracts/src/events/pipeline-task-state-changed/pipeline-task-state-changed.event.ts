import { z } from 'zod';
import { isoDateTimeSchema, positiveIntSchema, slugSchema, textSchema } from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';
import { pipelineRunIdSchema } from '../pipeline-run-requested/pipeline-run-requested.event.js';

/** Airflow's task-instance states (the subset a run goes through). */
export const taskStateSchema = z.enum([
  'queued',
  'running',
  'success',
  'failed',
  'up_for_retry',
  'upstream_failed',
  'skipped',
]);
export type TaskState = z.infer<typeof taskStateSchema>;

const statesWithError: ReadonlySet<TaskState> = new Set(['failed', 'up_for_retry']);

export const pipelineTaskStateChangedSchema = z
  .strictObject({
    pipelineRunId: pipelineRunIdSchema,
    dagName: slugSchema,
    /** Task id within the DAG, e.g. `validate_data`. */
    taskId: slugSchema,
    state: taskStateSchema,
    /** 1 for the first try, as Airflow's `try_number`. */
    tryNumber: positiveIntSchema,
    /** Why the task failed (only with `failed` or `up_for_retry`). */
    error: textSchema(4000).optional(),
    changedAt: isoDateTimeSchema,
  })
  .superRefine((p, ctx) => {
    if (p.error !== undefined && !statesWithError.has(p.state)) {
      ctx.addIssue({
        code: 'custom',
        path: ['error'],
        message: `error is only allowed with state failed or up_for_retry, got ${p.state}`,
      });
    }
  });
export type PipelineTaskStateChangedPayload = z.infer<typeof pipelineTaskStateChangedSchema>;

/**
 * `mlops.pipeline.task-state-changed.v1`: a task of a pipeline run changed state.
 *
 * Produced by the pipeline service. Consumed by operators (run monitoring, the CLI). Keyed by
 * `pipelineRunId`, so the task states of a run stay in order.
 */
export const pipelineTaskStateChangedTopic = defineTopic({
  name: 'mlops.pipeline.task-state-changed.v1',
  description: 'A task of a pipeline run changed state (queued, running, success, failed, retry, ...).',
  schema: pipelineTaskStateChangedSchema,
  key: (p) => p.pipelineRunId,
  keyField: 'pipelineRunId',
  producers: ['pipeline'],
  consumers: ['operator'],
});
