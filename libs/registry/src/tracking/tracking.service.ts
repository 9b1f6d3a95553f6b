import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { RegistryError } from '../registry.error.js';
import { TrackingStore } from './tracking.store.js';
import {
  RUN_STATUSES,
  type Experiment,
  type ExperimentQuery,
  type KeyValue,
  type Metric,
  type Run,
  type RunInfo,
  type RunQuery,
  type RunStatus,
} from './tracking.types.js';

/** MLflow's log-batch limits (mlflow/utils/validation.py). */
export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;
export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;
/** The tag MLflow keeps equal to the run name. */
export const RUN_NAME_TAG = 'mlflow.runName';
/** Experiment artifact locations are served by this service's artifact proxy (`mlflow-artifacts:/<id>`). */
export const ARTIFACT_SCHEME_PREFIX = 'mlflow-artifacts:/';

// Letters, digits, underscores, dashes, periods, spaces, slashes and colons (MLflow's key rule).
const KEY_PATTERN = /^[\w\-./ :]+$/;

export interface LogBatchInput {
  readonly metrics?: readonly Metric[];
  readonly params?: readonly KeyValue[];
  readonly tags?: readonly KeyValue[];
}

/**
 * Experiments and runs with MLflow's rules: params are write-once (the same value again is fine, a
 * different one is INVALID_PARAMETER_VALUE and the whole call is rolled back), metrics append-only,
 * tags overwritable, log-batch limited to 1000 metrics, 100 params, 100 tags, 1000 items.
 */
@Injectable()
export class TrackingService {
  constructor(private readonly store: TrackingStore) {}

  async createExperiment(
    name: string,
    artifactLocation?: string,
    tags: readonly KeyValue[] = [],
  ): Promise<Experiment> {
    if (typeof name !== 'string' || name.trim() === '') {
      throw RegistryError.invalid("Invalid experiment name: ''. Experiment name must be a non-empty string.");
    }
    tags.forEach((t) => validateTag(t));
    if ((await this.store.getExperimentByName(name)) !== undefined) {
      throw RegistryError.exists(`Experiment(name=${name}) already exists.`);
    }
    return this.store.createExperiment({
      name,
      artifactLocation: artifactLocation === '' ? undefined : artifactLocation,
      defaultLocationPrefix: ARTIFACT_SCHEME_PREFIX,
      tags,
      now: Date.now(),
    });
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const experiment = /^\d+$/.test(experimentId) ? await this.store.getExperiment(experimentId) : undefined;
    if (experiment === undefined) throw RegistryError.notFound(`No Experiment with id=${experimentId} exists`);
    return experiment;
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    const experiment = await this.store.getExperimentByName(name);
    if (experiment === undefined) throw RegistryError.notFound(`Could not find experiment with name ${name}`);
    return experiment;
  }

  searchExperiments(query: ExperimentQuery): Promise<Experiment[]> {
    return this.store.searchExperiments(query);
  }

  async setExperimentTag(experimentId: string, tag: KeyValue): Promise<void> {
    validateTag(tag);
    await this.getExperiment(experimentId);
    await this.store.setExperimentTag(experimentId, tag);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.getExperiment(experimentId);
    await this.store.setExperimentLifecycle(experimentId, 'deleted', Date.now());
  }

  /** Creates a RUNNING run; its name comes from `runName`, else the `mlflow.runName` tag, else `run-<id prefix>`. */
  async createRun(input: {
    experimentId: string;
    runName?: string | undefined;
    userId?: string | undefined;
    startTime?: number | undefined;
    tags?: readonly KeyValue[] | undefined;
  }): Promise<Run> {
    const experiment = await this.getExperiment(input.experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw RegistryError.invalid(
        `The experiment ${experiment.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
      );
    }
    const tags = [...(input.tags ?? [])];
    tags.forEach((t) => validateTag(t));
    const runId = randomUUID().replace(/-/g, '');
    const tagName = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
    const runName = input.runName || tagName || `run-${runId.slice(0, 8)}`;
    const withName = [...tags.filter((t) => t.key !== RUN_NAME_TAG), { key: RUN_NAME_TAG, value: runName }];
    const info: RunInfo = {
      runId,
      experimentId: experiment.experimentId,
      runName,
      userId: input.userId ?? '',
      status: 'RUNNING',
      startTime: input.startTime ?? Date.now(),
      endTime: null,
      artifactUri: `${experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`,
      lifecycleStage: 'active',
    };
    await this.store.createRun(info, withName);
    return { info, metrics: [], params: [], tags: withName };
  }

  async getRun(runId: string): Promise<Run> {
    const run = await this.store.getRun(runId);
    if (run === undefined) throw RegistryError.notFound(`Run '${runId}' not found`);
    return run;
  }

  async updateRun(
    runId: string,
    patch: { status?: string | undefined; endTime?: number | undefined; runName?: string | undefined },
  ): Promise<RunInfo> {
    if (patch.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(patch.status)) {
      throw RegistryError.invalid(`Invalid run status '${patch.status}': expected one of ${RUN_STATUSES.join(', ')}`);
    }
    await this.requireActiveRun(runId);
    const updated = await this.store.updateRun(runId, {
      ...(patch.status !== undefined ? { status: patch.status as RunStatus } : {}),
      ...(patch.endTime !== undefined ? { endTime: patch.endTime } : {}),
      ...(patch.runName ? { runName: patch.runName } : {}),
    });
    if (updated === undefined) throw RegistryError.notFound(`Run '${runId}' not found`);
    if (patch.runName) await this.store.transaction((w) => w.setTags(runId, [{ key: RUN_NAME_TAG, value: patch.runName as string }]));
    return updated;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.getRun(runId);
    await this.store.setRunLifecycle(runId, 'deleted');
  }

  async restoreRun(runId: string): Promise<void> {
    await this.getRun(runId);
    await this.store.setRunLifecycle(runId, 'active');
  }

  logParam(runId: string, param: KeyValue): Promise<void> {
    return this.logBatch(runId, { params: [param] });
  }

  logMetric(runId: string, metric: Metric): Promise<void> {
    return this.logBatch(runId, { metrics: [metric] });
  }

  setTag(runId: string, tag: KeyValue): Promise<void> {
    return this.logBatch(runId, { tags: [tag] });
  }

  /**
   * MLflow's log-batch in one transaction: limits first, then each item's shape, then the writes;
   * a param already logged with another value fails the call (INVALID_PARAMETER_VALUE) and nothing
   * of it is kept.
   */
  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    checkBatchLimits(metrics.length, params.length, tags.length);
    const metricKeys = new Set<string>();
    for (const m of metrics) validateMetric(m, metricKeys);
    params.forEach((p) => validateParam(p));
    tags.forEach((t) => validateTag(t));
    const uniqueParams = dedupeParams(params);
    const attempted = new Map(uniqueParams.map((p) => [p.key, p.value]));
    await this.store.logBatch(
      runId,
      { metrics, params: uniqueParams, tags, runName: [...tags].reverse().find((t) => t.key === RUN_NAME_TAG)?.value },
      {
        run: (lifecycle) => {
          if (lifecycle === undefined) throw RegistryError.notFound(`Run '${runId}' not found`);
          if (lifecycle !== 'active') {
            throw RegistryError.invalid(`The run ${runId} must be in the 'active' state. Current state is ${lifecycle}.`);
          }
        },
        params: (existing) => {
          for (const stored of existing) {
            const value = attempted.get(stored.key);
            if (value !== undefined && value !== stored.value) {
              throw RegistryError.invalid(
                `Changing param values is not allowed. Param with key='${stored.key}' was already logged with value='${stored.value}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
              );
            }
          }
        },
      },
    );
  }

  async metricHistory(runId: string, key: string): Promise<Metric[]> {
    await this.getRun(runId);
    return this.store.metricHistory(runId, key);
  }

  searchRuns(query: RunQuery): Promise<Run[]> {
    return this.store.searchRuns(query);
  }

  private async requireActiveRun(runId: string): Promise<void> {
    const run = await this.getRun(runId);
    if (run.info.lifecycleStage !== 'active') {
      throw RegistryError.invalid(
        `The run ${runId} must be in the 'active' state. Current state is ${run.info.lifecycleStage}.`,
      );
    }
  }
}

/** Throws INVALID_PARAMETER_VALUE with MLflow's wording when a batch exceeds a limit. */
export function checkBatchLimits(metrics: number, params: number, tags: number): void {
  const over = (what: string, limit: number, got: number): RegistryError =>
    RegistryError.invalid(
      `A batch logging request can contain at most ${limit} ${what}. Got ${got} ${what}. Please split up ${what} across multiple requests and try again.`,
    );
  if (metrics > LOG_BATCH_LIMITS.metrics) throw over('metrics', LOG_BATCH_LIMITS.metrics, metrics);
  if (params > LOG_BATCH_LIMITS.params) throw over('params', LOG_BATCH_LIMITS.params, params);
  if (tags > LOG_BATCH_LIMITS.tags) throw over('tags', LOG_BATCH_LIMITS.tags, tags);
  const total = metrics + params + tags;
  if (total > LOG_BATCH_LIMITS.total) {
    throw RegistryError.invalid(
      `A batch logging request can contain at most ${LOG_BATCH_LIMITS.total} total entities (metrics + params + tags). Got ${total} entities. Please split up the entities across multiple requests and try again.`,
    );
  }
}

function validateKey(kind: string, key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '') throw RegistryError.invalid(`Missing value for required parameter 'key' of a ${kind}.`);
  if (key.length > MAX_KEY_LENGTH) {
    throw RegistryError.invalid(`${kind} name '${key.slice(0, 40)}...' had length ${key.length}, which exceeded length limit of ${MAX_KEY_LENGTH}`);
  }
  if (!KEY_PATTERN.test(key) || key.split('/').includes('..') || key.startsWith('/')) {
    throw RegistryError.invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/), and may not be or contain a '..' path segment.`,
    );
  }
}

function validateParam(p: KeyValue): void {
  validateKey('param', p.key);
  if (typeof p.value !== 'string') throw RegistryError.invalid(`Param '${p.key}': value must be a string.`);
  if (p.value.length > MAX_PARAM_VALUE_LENGTH) {
    throw RegistryError.invalid(
      `Param value '${p.value.slice(0, 40)}...' had length ${p.value.length}, which exceeded length limit of ${MAX_PARAM_VALUE_LENGTH}`,
    );
  }
}

function validateTag(t: KeyValue): void {
  validateKey('tag', t.key);
  if (typeof t.value !== 'string') throw RegistryError.invalid(`Tag '${t.key}': value must be a string.`);
  if (t.value.length > MAX_TAG_VALUE_LENGTH) {
    throw RegistryError.invalid(`Tag '${t.key}': value had length ${t.value.length}, which exceeded length limit of ${MAX_TAG_VALUE_LENGTH}`);
  }
}

/** `validKeys`: keys already checked in this call (a batch repeats a few keys many times). */
function validateMetric(m: Metric, validKeys: Set<string>): void {
  if (!validKeys.has(m.key)) {
    validateKey('metric', m.key);
    validKeys.add(m.key);
  }
  // NaN and +-Infinity are allowed, as in MLflow (the JSON routes carry them as "NaN", "Infinity").
  if (typeof m.value !== 'number') {
    throw RegistryError.invalid(`Got invalid value ${String(m.value)} for metric '${m.key}' (timestamp=${m.timestamp}). Please specify value as a valid double (64-bit floating point).`);
  }
  if (!Number.isSafeInteger(m.timestamp)) {
    throw RegistryError.invalid(`Got invalid timestamp ${String(m.timestamp)} for metric '${m.key}' (value=${m.value}). Timestamp must be an integer (epoch milliseconds).`);
  }
  if (!Number.isSafeInteger(m.step)) {
    throw RegistryError.invalid(`Got invalid step ${String(m.step)} for metric '${m.key}' (value=${m.value}). Step must be an integer.`);
  }
}

/** One value per key: the same key twice with the same value is one param, with two values an error. */
function dedupeParams(params: readonly KeyValue[]): KeyValue[] {
  const byKey = new Map<string, string>();
  for (const p of params) {
    const seen = byKey.get(p.key);
    if (seen !== undefined && seen !== p.value) {
      throw RegistryError.invalid(
        `Duplicate parameter keys have been submitted: ['${p.key}']. Please ensure the request contains only one param value per param key.`,
      );
    }
    byKey.set(p.key, p.value);
  }
  return [...byKey].map(([key, value]) => ({ key, value }));
}
