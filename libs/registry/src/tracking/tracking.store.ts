import type {
  Experiment,
  ExperimentQuery,
  KeyValue,
  LifecycleStage,
  Metric,
  Run,
  RunInfo,
  RunQuery,
  RunStatus,
} from './tracking.types.js';

/** Writes of one log call, inside one transaction (a failed rule rolls every write of the call back). */
export interface TrackingWriter {
  /** Lifecycle of the run, or undefined when it does not exist. */
  runLifecycle(runId: string): Promise<LifecycleStage | undefined>;
  /**
   * Inserts the params whose key the run does not have yet; returns the stored params of the keys
   * that already existed (the caller decides whether a different value is an error).
   */
  insertParamsIfAbsent(runId: string, params: readonly KeyValue[]): Promise<KeyValue[]>;
  /** Appends metric rows (never updates one) and raises the latest value of each key. */
  appendMetrics(runId: string, metrics: readonly Metric[]): Promise<void>;
  /** Inserts or overwrites tags (tags may be overwritten). */
  setTags(runId: string, tags: readonly KeyValue[]): Promise<void>;
  /** Run name, kept equal to the `mlflow.runName` tag. */
  setRunName(runId: string, name: string): Promise<void>;
}

/** The writes of one log-batch call, already validated by the service. */
export interface BatchWrite {
  readonly metrics: readonly Metric[];
  /** One entry per key (the service rejected a key logged twice with two values). */
  readonly params: readonly KeyValue[];
  readonly tags: readonly KeyValue[];
  /** The run's new name when the batch sets the `mlflow.runName` tag (its last value), else undefined. */
  readonly runName: string | undefined;
}

/**
 * The service's rules that a log-batch write must pass; each throws to refuse the call, and a
 * refused call keeps none of its writes.
 */
export interface BatchChecks {
  /** Called with the run's lifecycle (undefined: no such run); throws unless the run takes writes. */
  run(lifecycle: LifecycleStage | undefined): void;
  /** Called with the stored params of the batch's keys that the run already had; throws on a changed value. */
  params(existing: readonly KeyValue[]): void;
}

/**
 * Persistence of experiments and runs. An abstract class so it is also the NestJS token;
 * `TypeOrmTrackingStore` implements it on PostgreSQL, the unit tests on memory.
 */
export abstract class TrackingStore {
  /** Creates an experiment; its artifact location defaults to `defaultLocationPrefix + id`. */
  abstract createExperiment(input: {
    name: string;
    artifactLocation: string | undefined;
    defaultLocationPrefix: string;
    tags: readonly KeyValue[];
    now: number;
  }): Promise<Experiment>;
  abstract getExperiment(experimentId: string): Promise<Experiment | undefined>;
  abstract getExperimentByName(name: string): Promise<Experiment | undefined>;
  /** Experiments of the query, ordered by id, at most `maxResults + 1` (the extra one signals a next page). */
  abstract searchExperiments(query: ExperimentQuery): Promise<Experiment[]>;
  abstract setExperimentTag(experimentId: string, tag: KeyValue): Promise<void>;
  abstract setExperimentLifecycle(experimentId: string, stage: LifecycleStage, now: number): Promise<void>;

  abstract createRun(info: RunInfo, tags: readonly KeyValue[]): Promise<void>;
  abstract getRun(runId: string): Promise<Run | undefined>;
  abstract updateRun(
    runId: string,
    patch: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo | undefined>;
  abstract setRunLifecycle(runId: string, stage: LifecycleStage): Promise<void>;
  abstract transaction<T>(work: (writer: TrackingWriter) => Promise<T>): Promise<T>;

  /**
   * One log-batch call, all or nothing: checks the run, inserts the new params (checking the
   * existing ones), appends the metrics, raises the latest metrics, sets the tags and the run name.
   * This default runs the {@link TrackingWriter} steps in one transaction; a store may override it
   * with fewer round trips as long as the outcome and the errors stay the same.
   */
  logBatch(runId: string, batch: BatchWrite, checks: BatchChecks): Promise<void> {
    return this.transaction(async (writer) => {
      checks.run(await writer.runLifecycle(runId));
      if (batch.params.length > 0) checks.params(await writer.insertParamsIfAbsent(runId, batch.params));
      if (batch.metrics.length > 0) await writer.appendMetrics(runId, batch.metrics);
      if (batch.tags.length > 0) await writer.setTags(runId, batch.tags);
      if (batch.runName !== undefined) await writer.setRunName(runId, batch.runName);
    });
  }
  /** Every logged value of a metric, by step then timestamp. */
  abstract metricHistory(runId: string, key: string): Promise<Metric[]>;
  /** Runs of the query with their data, at most `maxResults + 1` (the extra one signals a next page). */
  abstract searchRuns(query: RunQuery): Promise<Run[]>;
}
