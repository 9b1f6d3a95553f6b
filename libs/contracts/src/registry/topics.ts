import type { TopicContract } from '../core/topic.js';
import { dataDriftCheckedTopic } from '../events/data-drift-checked/data-drift-checked.event.js';
import { dataDriftDetectedTopic } from '../events/data-drift-detected/data-drift-detected.event.js';
import { dataIngestedTopic } from '../events/data-ingested/data-ingested.event.js';
import { dataRecordTopic } from '../events/data-record/data-record.event.js';
import { dataValidationCompletedTopic } from '../events/data-validation-completed/data-validation-completed.event.js';
import { experimentConcludedTopic } from '../events/experiment-concluded/experiment-concluded.event.js';
import { experimentStartedTopic } from '../events/experiment-started/experiment-started.event.js';
import { featuresMaterializedTopic } from '../events/features-materialized/features-materialized.event.js';
import { modelPromotedTopic } from '../events/model-promoted/model-promoted.event.js';
import { modelRegisteredTopic } from '../events/model-registered/model-registered.event.js';
import { modelRejectedTopic } from '../events/model-rejected/model-rejected.event.js';
import { modelRolledBackTopic } from '../events/model-rolled-back/model-rolled-back.event.js';
import { outcomeObservedTopic } from '../events/outcome-observed/outcome-observed.event.js';
import { pipelineRunRequestedTopic } from '../events/pipeline-run-requested/pipeline-run-requested.event.js';
import { pipelineTaskStateChangedTopic } from '../events/pipeline-task-state-changed/pipeline-task-state-changed.event.js';
import { predictionServedTopic } from '../events/prediction-served/prediction-served.event.js';
import { systemPingTopic } from '../events/system-ping/system-ping.event.js';
import { systemPongTopic } from '../events/system-pong/system-pong.event.js';
import { trainingCompletedTopic } from '../events/training-completed/training-completed.event.js';
import { trainingFailedTopic } from '../events/training-failed/training-failed.event.js';
import { trainingProgressTopic } from '../events/training-progress/training-progress.event.js';
import { trainingRequestedTopic } from '../events/training-requested/training-requested.event.js';

/** Every topic of the pipeline, by camelCase name. */
export const topics = {
  systemPing: systemPingTopic,
  systemPong: systemPongTopic,
  dataIngested: dataIngestedTopic,
  dataRecord: dataRecordTopic,
  dataValidationCompleted: dataValidationCompletedTopic,
  dataDriftChecked: dataDriftCheckedTopic,
  dataDriftDetected: dataDriftDetectedTopic,
  featuresMaterialized: featuresMaterializedTopic,
  trainingRequested: trainingRequestedTopic,
  trainingProgress: trainingProgressTopic,
  trainingCompleted: trainingCompletedTopic,
  trainingFailed: trainingFailedTopic,
  modelRegistered: modelRegisteredTopic,
  modelRejected: modelRejectedTopic,
  modelPromoted: modelPromotedTopic,
  modelRolledBack: modelRolledBackTopic,
  predictionServed: predictionServedTopic,
  outcomeObserved: outcomeObservedTopic,
  experimentStarted: experimentStartedTopic,
  experimentConcluded: experimentConcludedTopic,
  pipelineRunRequested: pipelineRunRequestedTopic,
  pipelineTaskStateChanged: pipelineTaskStateChangedTopic,
} as const;

export type Topics = typeof topics;
/** Any declared topic. */
export type KnownTopic = Topics[keyof Topics];
/** The name of any declared topic: `'mlops.data.ingested.v1' | ...`. */
export type KnownTopicName = KnownTopic['name'];
/** The declared topic of a name. */
export type TopicOfName<N extends KnownTopicName> = Extract<KnownTopic, { name: N }>;

/** Every declared topic, in declaration order. */
export const allTopics: readonly KnownTopic[] = Object.freeze(Object.values(topics));

const byName: ReadonlyMap<string, KnownTopic> = new Map(allTopics.map((t) => [t.name, t]));

/**
 * The declared topic of a name, or `undefined` for an unknown name (a `.dlq` name is unknown:
 * strip the suffix first, see {@link topicOfDlq}).
 */
export function topicByName<N extends KnownTopicName>(name: N): TopicOfName<N>;
export function topicByName(name: string): KnownTopic | undefined;
export function topicByName(name: string): KnownTopic | undefined {
  return byName.get(name);
}

/** The topic whose dead-letter topic is `dlqName` (`<topic>.dlq`), or `undefined`. */
export function topicOfDlq(dlqName: string): KnownTopic | undefined {
  return dlqName.endsWith('.dlq') ? byName.get(dlqName.slice(0, -'.dlq'.length)) : undefined;
}

/** A readonly view of any topic, for code that handles topics generically. */
export type AnyTopic = TopicContract;
