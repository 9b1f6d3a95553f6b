/** Tracking records as the service sees them (times in epoch milliseconds, ids as strings like MLflow). */

export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type LifecycleStage = 'active' | 'deleted';
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

export interface Experiment {
  readonly experimentId: string;
  readonly name: string;
  readonly artifactLocation: string;
  readonly lifecycleStage: LifecycleStage;
  readonly creationTime: number;
  readonly lastUpdateTime: number;
  readonly tags: readonly KeyValue[];
}

export interface RunInfo {
  /** 32 lower-case hex characters (a uuid4 without dashes), as MLflow's run ids. */
  readonly runId: string;
  readonly experimentId: string;
  readonly runName: string;
  readonly userId: string;
  readonly status: RunStatus;
  readonly startTime: number;
  readonly endTime: number | null;
  readonly artifactUri: string;
  readonly lifecycleStage: LifecycleStage;
}

export interface Metric {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

export interface Run {
  readonly info: RunInfo;
  /** Latest value of each metric (highest step, then timestamp, then value: MLflow's rule). */
  readonly metrics: readonly Metric[];
  readonly params: readonly KeyValue[];
  readonly tags: readonly KeyValue[];
}

export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

/** One clause of a run filter (`metrics.auc > 0.9`, `params.model = "LR"`, `attributes.status = 'FINISHED'`). */
export type RunFilterClause =
  | { readonly kind: 'metric'; readonly key: string; readonly comparator: Comparator; readonly value: number }
  | {
      readonly kind: 'param' | 'tag';
      readonly key: string;
      readonly comparator: Comparator;
      readonly value: string | readonly string[];
    }
  | {
      readonly kind: 'attribute';
      readonly key: RunAttribute;
      readonly comparator: Comparator;
      readonly value: string | number | readonly string[];
    };

export const RUN_ATTRIBUTES = ['run_id', 'run_name', 'status', 'start_time', 'end_time', 'user_id', 'artifact_uri'] as const;
export type RunAttribute = (typeof RUN_ATTRIBUTES)[number];

export interface RunOrder {
  readonly kind: 'metric' | 'param' | 'tag' | 'attribute';
  readonly key: string;
  readonly ascending: boolean;
}

export interface RunQuery {
  readonly experimentIds: readonly string[];
  readonly clauses: readonly RunFilterClause[];
  readonly viewType: ViewType;
  readonly orderBy: readonly RunOrder[];
  readonly maxResults: number;
  readonly offset: number;
}

export interface ExperimentQuery {
  readonly viewType: ViewType;
  /** `name LIKE '%x%'`-style pattern on the name (SQL LIKE), or undefined. */
  readonly nameLike?: { readonly pattern: string; readonly caseInsensitive: boolean } | undefined;
  readonly maxResults: number;
  readonly offset: number;
}
