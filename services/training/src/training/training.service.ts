import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  topics,
  type EventOf,
  type GateFailure,
  type TrainingProgressPayload,
  type TrainingRequestedPayload,
  type TrainingStage,
} from '@mlops/contracts';
import { EventPublisher, NonRetriableError } from '@mlops/messaging';
import { JsonLogger, MetricsRegistry } from '@mlops/observability';
import {
  metricRecord,
  EXPLAINER_ARTIFACT_PATH,
  gateRunTags,
  runTraining,
  validateModel,
  TrainingError,
  TrainingErrorCode,
  type Algorithm,
  type GateLimits,
  type TrainingCandidate,
  type TrainingConfig,
  type TrainingProgressEvent,
  type TrainingResult,
  type ValidateModelInput,
  type ValidationResult,
} from '@mlops/training';
import { DATASET_SOURCE, type DatasetSource } from '../datasets/dataset-source.js';
import { TrainingJobs, type JobOutcome } from '../jobs/training-jobs.repository.js';
import {
  RegistryUnavailableError,
  TRAINING_REGISTRY_TOKEN,
  type MetricPoint,
  type TrainingRegistry,
} from '../registry/training-registry.js';
import { derivedEventId } from './derived-event-id.js';

/** What a job runs with, read once at boot from the config. */
export interface TrainingSettings {
  readonly config: TrainingConfig;
  /** Registered model name (`serving.model_name`). */
  readonly modelName: string;
  /** Tracking experiment of the runs (`registry.default_experiment`). */
  readonly experimentName: string;
  /** The gate: `training.thresholds` and `model_validation`. */
  readonly gate: {
    readonly thresholds: Readonly<Record<string, number>>;
    readonly blocking: readonly string[];
    readonly advisory: readonly string[];
    readonly limits: GateLimits;
  };
  /** One progress event per model and phase every this many rounds (and the last round); default 10. */
  readonly progressEvery?: number;
  /** Test rows explained by SHAP (default 500; SHAP is not what the job is waiting for). */
  readonly shapRows?: number;
  readonly nThreads?: number;
}
export const TRAINING_SETTINGS = Symbol('TrainingSettings');

/** The validation gate (libs/training `validateModel`; replaceable in unit tests). */
export type ModelGate = (input: ValidateModelInput) => Promise<ValidationResult>;
export const MODEL_GATE = Symbol('ModelGate');

const ARTIFACT_PATH = 'model/model.onnx';

/** A failure with the stage it happened at. */
class StageError extends Error {
  constructor(
    readonly stage: TrainingStage,
    override readonly cause: unknown,
    readonly runId: string | undefined,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Training jobs: a training-requested event becomes a queued job row (in the consumer's
 * transaction, with its dedupe record); once committed the job runs here, one at a time, outside
 * that transaction: dataset -> libs/training pipeline (progress events and metrics) -> a tracking
 * run per candidate in the registry (params, per-round and final metrics, tags; the best one with
 * its ONNX artifact) -> training-completed -> the validation gate on the best -> registered
 * (model-registered, then the requested promotion through the registry, which emits
 * model-promoted) or rejected (model-rejected with the reasons). Any error: training-failed with
 * the stage, and no stage of the registry changes.
 */
@Injectable()
export class TrainingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private chain: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly jobsTotal;
  private readonly duration;
  private readonly round;
  private readonly active;

  constructor(
    @Inject(TrainingJobs) private readonly jobs: TrainingJobs,
    @Inject(DATASET_SOURCE) private readonly source: DatasetSource,
    @Inject(TRAINING_REGISTRY_TOKEN) private readonly registry: TrainingRegistry,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(MetricsRegistry) metrics: MetricsRegistry,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(TRAINING_SETTINGS) private readonly settings: TrainingSettings,
    @Inject(MODEL_GATE) private readonly gateFn: ModelGate = validateModel,
  ) {
    this.jobsTotal = metrics.counter({
      name: 'training_jobs_total',
      help: 'Training jobs finished, by outcome (registered, rejected, completed, failed)',
      labelNames: ['outcome'],
    });
    this.duration = metrics.histogram({
      name: 'training_duration_seconds',
      help: 'Duration of a training job from start to outcome',
      labelNames: ['outcome'],
      buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 3600],
    });
    this.round = metrics.gauge({
      name: 'training_round',
      help: 'Last round reported by the model being trained, per model and phase',
      labelNames: ['model', 'phase'],
    });
    this.active = metrics.gauge({
      name: 'training_jobs_running',
      help: 'Training jobs running now (0 or 1)',
    });
  }

  /** Queued jobs left by a stopped process run again; running ones are failed (retriable). */
  async onApplicationBootstrap(): Promise<void> {
    for (const job of await this.jobs.inStatus('running')) {
      await this.fail(
        job.id,
        job.correlationId,
        new StageError(
          'training',
          new Error('the training service stopped during this job'),
          job.runId ?? undefined,
        ),
        true,
      );
    }
    for (const job of await this.jobs.inStatus('queued')) this.schedule(job.id);
  }

  onApplicationShutdown(): void {
    this.stopping = true;
  }

  /**
   * The consumer's part: stores the job as queued through `tx` and schedules it for after the
   * commit. A request whose job id exists already is a duplicate: nothing happens.
   * @returns whether a new job was queued.
   */
  async accept(
    event: EventOf<typeof topics.trainingRequested>,
    tx: EntityManager | undefined,
  ): Promise<boolean> {
    const inserted = await this.jobs.insertQueued(tx, {
      request: event.payload,
      eventId: event.eventId,
      correlationId: event.correlationId ?? null,
    });
    if (inserted) this.schedule(event.payload.trainingJobId);
    return inserted;
  }

  /** Resolves when every scheduled job has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  private schedule(jobId: string): void {
    this.chain = this.chain
      .then(() => this.runWhenCommitted(jobId))
      .catch((e: unknown) => {
        this.logger.error('training job crashed', {
          trainingJobId: jobId,
          error: e instanceof Error ? e.message : String(e),
        });
      });
  }

  /** Waits until the queued row is committed and visible (the consumer's transaction), claims and runs it. */
  private async runWhenCommitted(jobId: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    let wait = 20;
    while (!this.stopping) {
      if (await this.jobs.claim(jobId)) {
        await this.run(jobId);
        return;
      }
      const job = await this.jobs.get(jobId);
      if (job !== undefined && job.status !== 'queued') return; // claimed elsewhere
      if (Date.now() > deadline) {
        this.logger.warn('training job never became visible: its transaction rolled back', {
          trainingJobId: jobId,
        });
        return;
      }
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 1000);
    }
  }

  /** Runs a claimed job to its outcome; never throws. */
  async run(jobId: string): Promise<void> {
    const job = await this.jobs.get(jobId);
    if (job === undefined) return;
    const request = job.request;
    const started = performance.now();
    this.active.set(1);
    try {
      const outcome = await this.execute(request, job.correlationId);
      await this.jobs.finish(jobId, outcome);
      this.count(outcome.status, started);
      this.logger.info('training job finished', {
        trainingJobId: jobId,
        status: outcome.status,
        runId: outcome.runId,
        bestModel: outcome.bestModel,
        version: outcome.modelVersion,
        seconds: seconds(started),
      });
    } catch (e) {
      const error = e instanceof StageError ? e : new StageError('training', e, undefined);
      await this.fail(jobId, job.correlationId, error, isRetriable(error.cause)).catch((f: unknown) => {
        this.logger.error('could not record the failure of a training job', {
          trainingJobId: jobId,
          error: String(f),
        });
      });
      this.count('failed', started);
    } finally {
      this.active.set(0);
    }
  }

  private count(outcome: string, started: number): void {
    this.jobsTotal.inc({ outcome });
    this.duration.observe({ outcome }, seconds(started));
  }

  private async fail(
    jobId: string,
    correlationId: string | null,
    error: StageError,
    retriable: boolean,
  ): Promise<void> {
    const cause = error.cause;
    const errorType = (cause instanceof Error ? cause.name : typeof cause).slice(0, 128) || 'Error';
    const message = (error.message || errorType).slice(0, 4000);
    this.logger.error('training job failed', {
      trainingJobId: jobId,
      stage: error.stage,
      errorType,
      error: message,
      retriable,
    });
    if (error.runId !== undefined) await this.registry.endRun(error.runId, 'FAILED').catch(() => undefined);
    await this.jobs.finish(jobId, {
      status: 'failed',
      error: message,
      result: { stage: error.stage, errorType, retriable },
      ...(error.runId !== undefined ? { runId: error.runId } : {}),
    });
    await this.events.publish(
      topics.trainingFailed,
      {
        trainingJobId: jobId,
        ...(error.runId !== undefined ? { runId: error.runId } : {}),
        stage: error.stage,
        errorType,
        errorMessage: message,
        retriable,
      },
      {
        ...(correlationId ? { correlationId } : {}),
        eventId: derivedEventId(jobId, topics.trainingFailed.name),
      },
    );
  }

  /** The job's work, from dataset to outcome. @throws StageError */
  private async execute(
    request: TrainingRequestedPayload,
    correlationId: string | null,
  ): Promise<JobOutcome> {
    const jobId = request.trainingJobId;
    const publishOptions = (purpose: string): { correlationId?: string; eventId: string } => ({
      ...(correlationId ? { correlationId } : {}),
      eventId: derivedEventId(jobId, purpose),
    });
    const at = async <T>(stage: TrainingStage, f: () => Promise<T>, runId?: string): Promise<T> => {
      try {
        return await f();
      } catch (e) {
        throw new StageError(stage, e, runId);
      }
    };
    const t0 = performance.now();
    const overrides = request.config;
    const dataset = await at('loading_data', () => this.source.read(request.datasetId));

    // ---- the pipeline, with throttled progress events ----------------------------------------
    const progress = new ProgressRelay(jobId, this.settings.progressEvery ?? 10, (p) => {
      this.round.set({ model: p.model, phase: p.phase }, p.round);
      return this.events.publish(topics.trainingProgress, p, correlationId ? { correlationId } : {});
    });
    const result = await at('training', async () => {
      try {
        return await runTraining({
          dataset,
          config: this.settings.config,
          ...(overrides.sampleRatio !== undefined ? { sampleRatio: overrides.sampleRatio } : {}),
          ...(overrides.models !== undefined ? { models: overrides.models } : {}),
          ...(overrides.tuning !== undefined
            ? {
                tuning: {
                  ...(overrides.tuning.enabled !== undefined ? { enabled: overrides.tuning.enabled } : {}),
                  ...(overrides.tuning.nTrials !== undefined ? { nTrials: overrides.tuning.nTrials } : {}),
                },
              }
            : {}),
          shapRows: this.settings.shapRows ?? 500,
          nThreads: this.settings.nThreads ?? 1,
          onProgress: (e) => progress.on(e),
        });
      } finally {
        await progress.flush();
      }
    });
    if (progress.failures > 0)
      this.logger.warn('some progress events were not published', {
        trainingJobId: jobId,
        failures: progress.failures,
      });

    // ---- tracking: a run per candidate ----------------------------------------------------------
    const runs = await at('registration', () => this.logRuns(request, result, progress.points));
    const bestRunId = runs.get(result.best.algorithm)!;
    const metrics = versionMetrics(result);
    const durationSeconds = seconds(t0);
    await at(
      'registration',
      () =>
        this.events.publish(
          topics.trainingCompleted,
          {
            trainingJobId: jobId,
            datasetId: request.datasetId,
            runId: bestRunId,
            bestModel: result.best.algorithm,
            metrics,
            threshold: result.threshold.value,
            durationSeconds,
            candidates: result.candidates.map((c) => ({
              model: c.algorithm,
              runId: runs.get(c.algorithm)!,
              metrics: candidateMetrics(c),
            })),
          },
          publishOptions(topics.trainingCompleted.name),
        ),
      bestRunId,
    );

    // ---- the gate ----------------------------------------------------------------------------------
    const gate = this.settings.gate;
    const verdict = await at(
      'gate',
      () =>
        this.gateFn({
          onnxBytes: result.onnx.bytes,
          metrics: metricRecord(result.best.metrics.test),
          thresholds: gate.thresholds,
          blocking: gate.blocking,
          advisory: gate.advisory,
          limits: gate.limits,
          sampleRows: result.sampleRows,
        }),
      bestRunId,
    );
    await at('gate', () => this.registry.logBatch(bestRunId, { tags: gateRunTags(verdict) }), bestRunId);
    const summary = {
      metrics,
      threshold: result.threshold.value,
      gate: {
        status: verdict.status,
        reasons: verdict.reasons,
        warnings: verdict.warnings,
        measurements: verdict.measurements,
      },
      candidates: Object.fromEntries(
        result.candidates.map((c) => [
          c.algorithm,
          { runId: runs.get(c.algorithm), valRocAuc: c.metrics.validation.rocAuc },
        ]),
      ),
    } as unknown as Record<string, unknown>;

    if (!verdict.passed) {
      await at(
        'gate',
        () =>
          this.events.publish(
            topics.modelRejected,
            {
              modelName: this.settings.modelName,
              runId: bestRunId,
              trainingJobId: jobId,
              reasons: verdict.reasons.slice(0, 100) as GateFailure[],
            },
            publishOptions(topics.modelRejected.name),
          ),
        bestRunId,
      );
      return { status: 'rejected', runId: bestRunId, bestModel: result.best.algorithm, result: summary };
    }
    if (overrides.registerBest === false) {
      return { status: 'completed', runId: bestRunId, bestModel: result.best.algorithm, result: summary };
    }

    // ---- registration and promotion -------------------------------------------------------------
    const version = await at(
      'registration',
      () =>
        this.registry.createVersion(this.settings.modelName, {
          runId: bestRunId,
          artifactPath: ARTIFACT_PATH,
          sha256: result.onnx.sha256,
          inputSchema: result.inputSchema,
          metrics,
          threshold: result.threshold.value,
          tags: { algorithm: result.best.algorithm, training_job_id: jobId, dataset_id: request.datasetId },
          description: `${result.best.algorithm} trained by job ${jobId} on dataset ${request.datasetId}`,
        }),
      bestRunId,
    );
    await at(
      'registration',
      () =>
        this.events.publish(
          topics.modelRegistered,
          {
            modelName: this.settings.modelName,
            version,
            runId: bestRunId,
            trainingJobId: jobId,
            algorithm: result.best.algorithm,
            artifactUri: `cas:sha256/${result.onnx.sha256}`,
            checksum: result.onnx.sha256,
            inputSchema: [...result.inputSchema],
            metrics,
            threshold: result.threshold.value,
            registeredAt: new Date().toISOString(),
          },
          publishOptions(topics.modelRegistered.name),
        ),
      bestRunId,
    );
    const promoteTo = overrides.promoteTo ?? 'none';
    if (promoteTo !== 'none') {
      await at(
        'registration',
        () =>
          this.registry.transition(
            this.settings.modelName,
            version,
            promoteTo,
            `training job ${jobId}: passed the validation gate (${request.reason}, requested by ${request.requestedBy})`,
          ),
        bestRunId,
      );
    }
    return {
      status: 'registered',
      runId: bestRunId,
      bestModel: result.best.algorithm,
      modelVersion: version,
      result: { ...summary, promotedTo: promoteTo },
    };
  }

  /** One tracking run per candidate: params, per-round and final metrics, tags; the best gets the ONNX artifact. */
  private async logRuns(
    request: TrainingRequestedPayload,
    result: TrainingResult,
    points: ReadonlyMap<Algorithm, MetricPoint[]>,
  ): Promise<Map<Algorithm, string>> {
    const experimentId = await this.registry.ensureExperiment(this.settings.experimentName);
    const runs = new Map<Algorithm, string>();
    for (const c of result.candidates) {
      const best = c === result.best;
      const runId = await this.registry.createRun(
        experimentId,
        `${c.algorithm}-${request.trainingJobId.slice(0, 8)}`,
        {
          algorithm: c.algorithm,
          training_job_id: request.trainingJobId,
          dataset_id: request.datasetId,
          requested_by: request.requestedBy,
          reason: request.reason,
          best_model: String(best),
          'mlflow.runName': `${c.algorithm}-${request.trainingJobId.slice(0, 8)}`,
        },
      );
      runs.set(c.algorithm, runId);
      try {
        if (best) await this.jobs.setRun(request.trainingJobId, runId);
        const now = Date.now();
        const params: Record<string, string> = {
          dataset_id: request.datasetId,
          sample_ratio: String(result.data.sampleRatio),
          rows: String(result.data.rows),
          split_seed: String(result.data.splitSeed),
          threshold_strategy: this.settings.config.training.decision_threshold.strategy,
          tuning: String(c.tuning !== null),
        };
        for (const [k, v] of Object.entries(c.params)) params[`model.${k}`] = v === null ? 'None' : String(v);
        const metrics: MetricPoint[] = [...(points.get(c.algorithm) ?? [])];
        for (const [k, v] of Object.entries(candidateMetrics(c)))
          metrics.push({ key: k, value: v, step: 0, timestamp: now });
        if (c.lossCurve !== null) {
          c.lossCurve.train.forEach((v, i) =>
            metrics.push({ key: 'train_loss', value: v, step: i + 1, timestamp: now }),
          );
          c.lossCurve.validation.forEach((v, i) =>
            metrics.push({ key: 'valid_loss', value: v, step: i + 1, timestamp: now }),
          );
        }
        if (best && result.cv !== null) {
          metrics.push({ key: 'cv_roc_auc_mean', value: result.cv.meanRocAuc, step: 0, timestamp: now });
          metrics.push({ key: 'cv_roc_auc_std', value: result.cv.stdRocAuc, step: 0, timestamp: now });
        }
        await this.registry.logBatch(runId, { params, metrics });
        if (best) {
          const digest = await this.registry.putArtifact(runId, ARTIFACT_PATH, result.onnx.bytes);
          if (digest !== result.onnx.sha256) {
            throw new TrainingError(
              `the registry stored the ONNX artifact as ${digest}, expected ${result.onnx.sha256}`,
              TrainingErrorCode.RegistryError,
            );
          }
          // The explainer beside the model: serving answers SHAP contributions for the version with it.
          const explainerDigest = await this.registry.putArtifact(
            runId,
            EXPLAINER_ARTIFACT_PATH,
            result.explainer.bytes,
          );
          if (explainerDigest !== result.explainer.sha256) {
            throw new TrainingError(
              `the registry stored the explainer artifact as ${explainerDigest}, expected ${result.explainer.sha256}`,
              TrainingErrorCode.RegistryError,
            );
          }
        }
        await this.registry.endRun(runId, 'FINISHED');
      } catch (e) {
        throw new StageError('registration', e, runId);
      }
    }
    return runs;
  }
}

/**
 * Relays round events as throttled training-progress events (per model and phase: round 1, every
 * `every`-th round and the last one) and keeps the final fit's per-round points for the run.
 */
export class ProgressRelay {
  readonly points = new Map<Algorithm, MetricPoint[]>();
  failures = 0;
  private pending: Promise<unknown>[] = [];

  constructor(
    private readonly trainingJobId: string,
    private readonly every: number,
    private readonly send: (p: TrainingProgressPayload) => Promise<unknown>,
  ) {}

  on(e: TrainingProgressEvent): void {
    if (e.kind !== 'round') return;
    const p = e.progress;
    if (p.phase === 'final_fit') {
      const list = this.points.get(p.model) ?? [];
      const now = Date.now();
      list.push({ key: 'round_train_loss', value: p.trainLoss, step: p.round, timestamp: now });
      if (p.validLoss !== undefined)
        list.push({ key: 'round_valid_loss', value: p.validLoss, step: p.round, timestamp: now });
      if (p.validAuc !== undefined)
        list.push({ key: 'round_valid_auc', value: p.validAuc, step: p.round, timestamp: now });
      this.points.set(p.model, list);
    }
    if (p.round === 1 || p.round % this.every === 0 || p.round === p.totalRounds) {
      this.pending.push(
        this.send({ trainingJobId: this.trainingJobId, ...p }).catch(() => {
          this.failures++;
        }),
      );
    }
  }

  /** Waits for the events handed to the publisher so far. */
  async flush(): Promise<void> {
    const p = this.pending;
    this.pending = [];
    await Promise.all(p);
  }
}

/** The version's metrics: the test split at the threshold (registry names), `val_*`, and `cv_roc_auc`. */
export function versionMetrics(result: TrainingResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metricRecord(result.best.metrics.test))) out[k] = v;
  for (const [k, v] of Object.entries(metricRecord(result.best.metrics.validation))) out[`val_${k}`] = v;
  if (result.cv !== null) out['cv_roc_auc'] = result.cv.meanRocAuc;
  out['threshold'] = result.threshold.value;
  return finite(out);
}

function candidateMetrics(c: TrainingCandidate): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metricRecord(c.metrics.test))) out[k] = v;
  for (const [k, v] of Object.entries(metricRecord(c.metrics.validation))) out[`val_${k}`] = v;
  out['threshold'] = c.threshold.value;
  return finite(out);
}

function finite(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => Number.isFinite(v)));
}

/** Retriable: outages (registry unreachable or 5xx, network); not: bad input, missing data, 4xx. */
export function isRetriable(e: unknown): boolean {
  if (e instanceof RegistryUnavailableError) return true;
  if (e instanceof NonRetriableError || e instanceof TrainingError) return false;
  if (e instanceof Error && (e.name === 'TypeError' || e.name === 'RangeError')) return false;
  return true;
}

function seconds(since: number): number {
  return Math.round(performance.now() - since) / 1000;
}
