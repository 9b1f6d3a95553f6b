import { z } from 'zod';
import {
  isoDateTimeSchema,
  metricNameSchema,
  modelNameSchema,
  modelVersionSchema,
  textSchema,
  unitIntervalSchema,
  uuidSchema,
} from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

/** `ab`: a fixed split; `canary`: a small share to the challenger; `shadow`: the challenger answers are only logged. */
export const experimentModeSchema = z.enum(['ab', 'canary', 'shadow']);
export type ExperimentMode = z.infer<typeof experimentModeSchema>;

export const experimentStartedSchema = z
  .strictObject({
    experimentId: uuidSchema,
    name: textSchema(128),
    modelName: modelNameSchema,
    championVersion: modelVersionSchema,
    challengerVersion: modelVersionSchema,
    /** Share of requests routed to the challenger (in `shadow` mode: mirrored to it). */
    trafficShare: unitIntervalSchema,
    mode: experimentModeSchema,
    /** The metric compared, e.g. `churn_recall`, `log_loss`, `accuracy`. */
    metric: metricNameSchema,
    startedAt: isoDateTimeSchema,
  })
  .superRefine((p, ctx) => {
    if (p.championVersion === p.challengerVersion) {
      ctx.addIssue({
        code: 'custom',
        path: ['challengerVersion'],
        message: `challengerVersion must differ from championVersion (${p.championVersion})`,
      });
    }
  });
export type ExperimentStartedPayload = z.infer<typeof experimentStartedSchema>;

/**
 * `mlops.experiment.started.v1`: an A/B test, canary or shadow experiment between the champion
 * and a challenger version started.
 *
 * Produced by experiments. Consumed by serving (starts routing the traffic share). Keyed by
 * `experimentId`.
 */
export const experimentStartedTopic = defineTopic({
  name: 'mlops.experiment.started.v1',
  description: 'An experiment started: champion and challenger versions, traffic share, mode, metric.',
  schema: experimentStartedSchema,
  key: (p) => p.experimentId,
  keyField: 'experimentId',
  producers: ['experiments'],
  consumers: ['serving'],
});
