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
  /** Every logged value of a metric, by step then timestamp. */
  abstract metricHistory(runId: string, key: string): Promise<Metric[]>;
  /** Runs of the query with their data, at most `maxResults + 1` (the extra one signals a next page). */
  abstract searchRuns(query: RunQuery): Promise<Run[]>;
}
