import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '@mlops/config';
import {
  createEvent,
  topics,
  type PayloadOf,
  type TopicContract,
  type TrainingRequestedPayload,
} from '@mlops/contracts';
import { EventPublisher, type PublishOptions, type PublishReceipt } from '@mlops/messaging';
import { JsonLogger, MetricsRegistry } from '@mlops/observability';
import {
  sha256Hex,
  THRESHOLD_METRICS,
  type GateCheck,
  type ValidateModelInput,
  type ValidationResult,
} from '@mlops/training';
import { DatasetNotFoundError } from '@mlops/service-kit';
import { FileDatasetSource, type DatasetSource } from '../datasets/dataset-source.js';
import { InMemoryTrainingJobs } from '../jobs/training-jobs.repository.js';
import {
  RegistryUnavailableError,
  type MetricPoint,
  type NewVersion,
  type TrainingRegistry,
} from '../registry/training-registry.js';
import { trainingSettings } from '../training.module.js';
import { TrainingService, type TrainingSettings } from './training.service.js';

jest.setTimeout(120_000);

const config = loadConfig({ env: {} });
const CSV = join(process.cwd(), 'data', 'raw', 'customer_data.csv');

class FakePublisher extends EventPublisher {
  readonly sent: { topic: string; payload: Record<string, unknown>; options?: PublishOptions }[] = [];
  publish<T extends TopicContract>(
    topic: T,
    payload: PayloadOf<T>,
    options?: PublishOptions,
  ): Promise<PublishReceipt> {
    topic.schema.parse(payload); // the real publisher validates too
    this.sent.push({
      topic: topic.name,
      payload: payload as Record<string, unknown>,
      ...(options ? { options } : {}),
    });
    return Promise.resolve({
      topic: topic.name,
      eventId: options?.eventId ?? randomUUID(),
      key: topic.key(payload),
    });
  }
  publishMany(): Promise<PublishReceipt[]> {
    throw new Error('not used');
  }
  of(topic: TopicContract): Record<string, unknown>[] {
    return this.sent.filter((s) => s.topic === topic.name).map((s) => s.payload);
  }
}

/** The registry in memory, with the calls it saw. */
class FakeRegistry implements TrainingRegistry {
  readonly runs = new Map<
    string,
    {
      name: string;
      status: string;
      tags: Record<string, string>;
      params: Record<string, string>;
      metrics: MetricPoint[];
      artifacts: Map<string, Uint8Array>;
    }
  >();
  readonly versions: (NewVersion & { model: string; version: number; stage: string })[] = [];
  readonly transitions: { model: string; version: number; stage: string }[] = [];
  failOn: 'createRun' | 'createVersion' | null = null;

  ensureExperiment(): Promise<string> {
    return Promise.resolve('1');
  }
  createRun(_e: string, runName: string, tags: Readonly<Record<string, string>>): Promise<string> {
    if (this.failOn === 'createRun')
      return Promise.reject(new RegistryUnavailableError('registry POST /api/v1/runs answered 503'));
    const id = randomUUID().replace(/-/g, '');
    this.runs.set(id, {
      name: runName,
      status: 'RUNNING',
      tags: { ...tags },
      params: {},
      metrics: [],
      artifacts: new Map(),
    });
    return Promise.resolve(id);
  }
  logBatch(
    runId: string,
    b: {
      params?: Readonly<Record<string, string>>;
      metrics?: readonly MetricPoint[];
      tags?: Readonly<Record<string, string>>;
    },
  ): Promise<void> {
    const run = this.runs.get(runId)!;
    for (const [k, v] of Object.entries(b.params ?? {})) {
      if (k in run.params && run.params[k] !== v)
        return Promise.reject(new Error(`param ${k} is write-once`));
      run.params[k] = v;
    }
    Object.assign(run.tags, b.tags ?? {});
    run.metrics.push(...(b.metrics ?? []));
    return Promise.resolve();
  }
  putArtifact(runId: string, path: string, bytes: Uint8Array): Promise<string> {
    this.runs.get(runId)!.artifacts.set(path, bytes);
    return Promise.resolve(sha256Hex(bytes));
  }
  endRun(runId: string, status: 'FINISHED' | 'FAILED'): Promise<void> {
    this.runs.get(runId)!.status = status;
    return Promise.resolve();
  }
  createVersion(model: string, input: NewVersion): Promise<number> {
    if (this.failOn === 'createVersion')
      return Promise.reject(new RegistryUnavailableError('registry answered 503'));
    const version = this.versions.filter((v) => v.model === model).length + 1;
    this.versions.push({ ...input, model, version, stage: 'None' });
    return Promise.resolve(version);
  }
  transition(model: string, version: number, stage: 'Staging' | 'Production'): Promise<void> {
    for (const v of this.versions) if (v.model === model && v.stage === stage) v.stage = 'Archived';
    this.versions.find((v) => v.model === model && v.version === version)!.stage = stage;
    this.transitions.push({ model, version, stage });
    return Promise.resolve();
  }
  versionInStage(model: string, stage: string): Promise<number | null> {
    return Promise.resolve(
      this.versions.find((v) => v.model === model && v.stage === stage)?.version ?? null,
    );
  }
}

/**
 * The gate's threshold and size checks, as libs/training's validateModel makes them (the real gate
 * also runs the artifact in onnxruntime-node, which fails inside Jest's VM realm: "A float32
 * tensor's data must be type of function Float32Array"; the end-to-end test runs the real gate in
 * the service process).
 */
const gateCalls: ValidateModelInput[] = [];
async function thresholdGate(input: ValidateModelInput): Promise<ValidationResult> {
  gateCalls.push(input);
  const checks: GateCheck[] = Object.entries(input.thresholds).map(([name, minimum]) => {
    const value = input.metrics[THRESHOLD_METRICS[name] ?? name] ?? NaN;
    const kind = input.advisory.includes(name) && !input.blocking.includes(name) ? 'advisory' : 'blocking';
    return {
      check: name,
      expected: minimum,
      actual: value,
      passed: value >= minimum,
      kind,
      message: `${name}: ${value} vs ${minimum}`,
    };
  });
  const sizeMb = input.onnxBytes.length / 2 ** 20;
  checks.push({
    check: 'model_size_mb',
    expected: input.limits.maxModelSizeMb,
    actual: sizeMb,
    passed: sizeMb <= input.limits.maxModelSizeMb,
    kind: 'blocking',
    message: 'size',
  });
  const strip = ({ check, expected, actual, message }: GateCheck) => ({ check, expected, actual, message });
  const reasons = checks.filter((c) => !c.passed && c.kind === 'blocking').map(strip);
  return Promise.resolve({
    status: reasons.length === 0 ? 'passed' : 'rejected',
    passed: reasons.length === 0,
    checks,
    reasons,
    warnings: checks.filter((c) => !c.passed && c.kind === 'advisory').map(strip),
    measurements: {
      sizeBytes: input.onnxBytes.length,
      loadMs: null,
      memoryMb: null,
      p50LatencyMs: null,
      p99LatencyMs: null,
      latencyCalls: 0,
      rowsChecked: input.sampleRows.length,
    },
  });
}

class MissingSource implements DatasetSource {
  readonly location = 'nowhere';
  read(datasetId: string): Promise<never> {
    return Promise.reject(new DatasetNotFoundError(datasetId, 'http://fake/datasets'));
  }
}

function request(
  over: Partial<TrainingRequestedPayload['config']> = {},
): ReturnType<typeof createEvent<typeof topics.trainingRequested>> {
  return createEvent(
    topics.trainingRequested,
    {
      trainingJobId: randomUUID(),
      datasetId: randomUUID(),
      config: {
        models: ['logistic_regression'],
        tuning: { enabled: false },
        sampleRatio: 0.5,
        promoteTo: 'Staging',
        ...over,
      },
      requestedBy: 'unit-test',
      reason: 'manual',
      requestedAt: new Date().toISOString(),
    },
    { producer: 'operator' },
  );
}

/** The test-split recall the registered version carries (what the gate judged). */
function version0Recall(registry: FakeRegistry): number | undefined {
  return registry.versions[0]?.metrics['recall'];
}

function sut(options: { settings?: Partial<TrainingSettings>; source?: DatasetSource } = {}) {
  const base = trainingSettings(config);
  const settings: TrainingSettings = { ...base, shapRows: 50, ...options.settings };
  const jobs = new InMemoryTrainingJobs();
  const registry = new FakeRegistry();
  const events = new FakePublisher();
  const metrics = new MetricsRegistry({ service: 'training', defaultMetrics: false });
  const logs: string[] = [];
  const logger = new JsonLogger({ service: 'training', level: 'warn', write: (l) => logs.push(l) });
  const service = new TrainingService(
    jobs,
    options.source ?? new FileDatasetSource(CSV, settings.config),
    registry,
    events,
    metrics,
    logger,
    settings,
    thresholdGate,
  );
  return { service, jobs, registry, events, metrics, logs };
}

describe('TrainingService', () => {
  it('trains, logs runs, passes the gate, registers and promotes to Staging', async () => {
    const { service, jobs, registry, events, metrics } = sut();
    const event = request({ models: ['logistic_regression', 'random_forest'] });
    expect(await service.accept(event, undefined)).toBe(true);
    await service.idle();

    const job = await jobs.get(event.payload.trainingJobId);
    expect(job?.status).toBe('registered');
    expect(job?.startedAt).toBeInstanceOf(Date);
    expect(job?.finishedAt).toBeInstanceOf(Date);
    expect(job?.modelVersion).toBe(1);

    // a run per candidate, params and metrics logged, the best with its ONNX artifact
    expect(registry.runs.size).toBe(2);
    const completed = events.of(topics.trainingCompleted)[0]!;
    const bestRun = registry.runs.get(completed['runId'] as string)!;
    expect(bestRun.status).toBe('FINISHED');
    expect(bestRun.tags['best_model']).toBe('true');
    expect(bestRun.tags['gate.status']).toBe('passed');
    expect(bestRun.params['sample_ratio']).toBe('0.5');
    expect(gateCalls.at(-1)!.metrics['recall']).toBe(version0Recall(registry));
    const auc = bestRun.metrics.find((m) => m.key === 'val_roc_auc')!.value;
    expect(auc).toBeGreaterThan(0.75);
    const candidates = completed['candidates'] as { model: string; metrics: Record<string, number> }[];
    expect(candidates.map((c) => c.model).sort()).toEqual(['logistic_regression', 'random_forest']);
    expect(Math.max(...candidates.map((c) => c.metrics['val_roc_auc']!))).toBe(auc); // best by validation ROC-AUC
    const onnx = bestRun.artifacts.get('model/model.onnx')!;
    expect(onnx.length).toBeGreaterThan(1000);

    // registered with digest, schema, metrics and threshold; promoted to Staging
    const version = registry.versions[0]!;
    expect(version.sha256).toBe(sha256Hex(onnx));
    expect(version.inputSchema.map((c) => c.name)).toContain('tenure');
    expect(version.threshold).toBe(completed['threshold']);
    expect(registry.transitions).toEqual([{ model: 'churn-predictor', version: 1, stage: 'Staging' }]);
    const registered = events.of(topics.modelRegistered)[0]!;
    expect(registered).toMatchObject({
      modelName: 'churn-predictor',
      version: 1,
      checksum: version.sha256,
      trainingJobId: event.payload.trainingJobId,
    });
    expect(events.of(topics.modelRejected)).toEqual([]);
    expect(events.of(topics.trainingFailed)).toEqual([]);

    // progress: throttled, per model and phase
    const progress = events.of(topics.trainingProgress);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p['trainingJobId'] === event.payload.trainingJobId)).toBe(true);

    const text = await metrics.metrics();
    expect(text).toMatch(/training_jobs_total\{[^}]*outcome="registered"[^}]*\} 1/);
    expect(text).toMatch(/training_duration_seconds_count\{[^}]*outcome="registered"[^}]*\} 1/);
  });

  it('rejects with the reasons on an impossible threshold, and registers nothing', async () => {
    const base = trainingSettings(config);
    const { service, jobs, registry, events } = sut({
      settings: { gate: { ...base.gate, thresholds: { ...base.gate.thresholds, min_auc_roc: 0.999 } } },
    });
    const event = request();
    await service.accept(event, undefined);
    await service.idle();
    expect((await jobs.get(event.payload.trainingJobId))?.status).toBe('rejected');
    const [rejected] = events.of(topics.modelRejected);
    const reasons = rejected!['reasons'] as { check: string; expected: number; actual: number }[];
    expect(reasons.map((r) => r.check)).toEqual(['min_auc_roc']);
    expect(reasons[0]!.expected).toBe(0.999);
    expect(reasons[0]!.actual).toBeLessThan(0.999);
    expect(registry.versions).toEqual([]);
    expect(registry.transitions).toEqual([]);
    expect(events.of(topics.modelRegistered)).toEqual([]);
    const run = registry.runs.get(rejected!['runId'] as string)!;
    expect(run.tags['gate.status']).toBe('rejected');
  });

  it('a registry outage fails the job at registration, retriable, with no promotion', async () => {
    const { service, jobs, registry, events } = sut();
    registry.failOn = 'createVersion';
    const event = request();
    await service.accept(event, undefined);
    await service.idle();
    const [failed] = events.of(topics.trainingFailed);
    expect(failed).toMatchObject({
      trainingJobId: event.payload.trainingJobId,
      stage: 'registration',
      errorType: 'RegistryUnavailableError',
      retriable: true,
    });
    expect(typeof failed!['runId']).toBe('string');
    expect(registry.transitions).toEqual([]);
    const job = await jobs.get(event.payload.trainingJobId);
    expect(job?.status).toBe('failed');
    expect(job?.error).toMatch(/503/);
  });

  it('an unknown dataset fails at loading_data, not retriable; a duplicate request is ignored', async () => {
    const { service, jobs, registry, events } = sut({ source: new MissingSource() });
    const event = request();
    expect(await service.accept(event, undefined)).toBe(true);
    expect(await service.accept({ ...event, eventId: randomUUID() }, undefined)).toBe(false);
    await service.idle();
    expect(events.of(topics.trainingFailed)).toEqual([
      expect.objectContaining({ stage: 'loading_data', errorType: 'DatasetNotFoundError', retriable: false }),
    ]);
    expect(registry.runs.size).toBe(0);
    expect(jobs.rows.size).toBe(1);
    expect((await jobs.get(event.payload.trainingJobId))?.status).toBe('failed');
  });
});
