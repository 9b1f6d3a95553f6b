import type { ModelVersion, RegisteredModel } from '@mlops/registry';
import type { Experiment, KeyValue, Metric, Run, RunInfo } from '@mlops/registry';

/*
 * MLflow's REST JSON shapes (proto3 JSON as the MLflow server writes it: snake_case fields, empty
 * lists left out, model versions as strings, NaN/Infinity metric values as strings).
 */

type Json = Record<string, unknown>;

function nonEmpty<T>(key: string, list: readonly T[]): Json {
  return list.length > 0 ? { [key]: list } : {};
}

function jsonNumber(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

function tags(list: readonly KeyValue[]): KeyValue[] {
  return list.map((t) => ({ key: t.key, value: t.value }));
}

export function mlflowExperiment(e: Experiment): Json {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    ...nonEmpty('tags', tags(e.tags)),
  };
}

export function mlflowRunInfo(i: RunInfo): Json {
  return {
    run_uuid: i.runId,
    run_id: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime,
    ...(i.endTime !== null ? { end_time: i.endTime } : {}),
    artifact_uri: i.artifactUri,
    lifecycle_stage: i.lifecycleStage,
  };
}

export function mlflowMetric(m: Metric): Json {
  return { key: m.key, value: jsonNumber(m.value), timestamp: m.timestamp, step: m.step };
}

export function mlflowRun(r: Run): Json {
  return {
    info: mlflowRunInfo(r.info),
    data: {
      ...nonEmpty('metrics', r.metrics.map(mlflowMetric)),
      ...nonEmpty('params', tags(r.params)),
      ...nonEmpty('tags', tags(r.tags)),
    },
    inputs: {},
  };
}

export function mlflowModelVersion(v: ModelVersion): Json {
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creationTime,
    last_updated_timestamp: v.lastUpdatedTime,
    current_stage: v.currentStage,
    description: v.description ?? '',
    source: v.source,
    ...(v.runId !== null ? { run_id: v.runId } : {}),
    ...(v.runLink !== null ? { run_link: v.runLink } : {}),
    status: v.status,
    ...nonEmpty('tags', tags(v.tags)),
    ...nonEmpty('aliases', [...v.aliases]),
  };
}

export function mlflowRegisteredModel(m: RegisteredModel): Json {
  return {
    name: m.name,
    creation_timestamp: m.creationTime,
    last_updated_timestamp: m.lastUpdatedTime,
    ...(m.description !== null ? { description: m.description } : {}),
    ...nonEmpty('latest_versions', m.latestVersions.map(mlflowModelVersion)),
    ...nonEmpty('tags', tags(m.tags)),
    ...nonEmpty(
      'aliases',
      m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
    ),
  };
}
