import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { TrainingRequestedPayload } from '@mlops/contracts';
import { TrainingJobEntity, type JobStatus } from './training-job.entity.js';

/** A stored training job. */
export interface TrainingJob {
  readonly id: string;
  readonly datasetId: string;
  readonly status: JobStatus;
  readonly request: TrainingRequestedPayload;
  readonly eventId: string;
  readonly correlationId: string | null;
  readonly runId: string | null;
  readonly bestModel: string | null;
  readonly modelVersion: number | null;
  readonly result: Record<string, unknown> | null;
  readonly error: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

/** How a job ended. */
export interface JobOutcome {
  readonly status: Exclude<JobStatus, 'queued' | 'running'>;
  readonly runId?: string;
  readonly bestModel?: string;
  readonly modelVersion?: number;
  readonly result?: Record<string, unknown>;
  readonly error?: string;
}

/** Storage of training jobs. */
export abstract class TrainingJobs {
  /**
   * Inserts a queued job through `tx` (the consumer's transaction, with the dedupe record).
   * @returns false when a job with this id exists already (the request was a duplicate).
   */
  abstract insertQueued(
    tx: EntityManager | undefined,
    job: { request: TrainingRequestedPayload; eventId: string; correlationId: string | null },
  ): Promise<boolean>;
  /** queued -> running, once it is committed and visible; false when it is not (yet) or was claimed. */
  abstract claim(id: string): Promise<boolean>;
  abstract setRun(id: string, runId: string): Promise<void>;
  abstract finish(id: string, outcome: JobOutcome): Promise<void>;
  abstract get(id: string): Promise<TrainingJob | undefined>;
  /** Jobs in a status (oldest first), e.g. queued jobs left by a stopped process. */
  abstract inStatus(status: JobStatus, limit?: number): Promise<TrainingJob[]>;
}

/** {@link TrainingJobs} in PostgreSQL (`training.training_jobs`). */
@Injectable()
export class TypeOrmTrainingJobs extends TrainingJobs {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    super();
  }

  async insertQueued(
    tx: EntityManager | undefined,
    job: { request: TrainingRequestedPayload; eventId: string; correlationId: string | null },
  ): Promise<boolean> {
    const manager = tx ?? this.dataSource.manager;
    const rows = (await manager.query(
      `INSERT INTO ${this.table()} (id, dataset_id, status, request, event_id, correlation_id)
       VALUES ($1, $2, 'queued', $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        job.request.trainingJobId,
        job.request.datasetId,
        JSON.stringify(job.request),
        job.eventId,
        job.correlationId,
      ],
    )) as unknown[];
    return rows.length > 0;
  }

  private table(): string {
    return this.dataSource.getMetadata(TrainingJobEntity).tablePath;
  }

  async claim(id: string): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(TrainingJobEntity)
      .set({ status: 'running', startedAt: () => 'now()' })
      .where('id = :id AND status = :queued', { id, queued: 'queued' })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async setRun(id: string, runId: string): Promise<void> {
    await this.dataSource.getRepository(TrainingJobEntity).update({ id }, { runId });
  }

  async finish(id: string, outcome: JobOutcome): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.table()} SET status = $2, finished_at = now(),
         run_id = COALESCE($3, run_id), best_model = COALESCE($4, best_model),
         model_version = COALESCE($5, model_version), result = COALESCE($6::jsonb, result), error = COALESCE($7, error)
       WHERE id = $1`,
      [
        id,
        outcome.status,
        outcome.runId ?? null,
        outcome.bestModel ?? null,
        outcome.modelVersion ?? null,
        outcome.result !== undefined ? JSON.stringify(outcome.result) : null,
        outcome.error ?? null,
      ],
    );
  }

  async get(id: string): Promise<TrainingJob | undefined> {
    const row = await this.dataSource.getRepository(TrainingJobEntity).findOneBy({ id });
    return row === null ? undefined : toJob(row);
  }

  async inStatus(status: JobStatus, limit = 100): Promise<TrainingJob[]> {
    const rows = await this.dataSource
      .getRepository(TrainingJobEntity)
      .find({ where: { status }, order: { createdAt: 'ASC' }, take: limit });
    return rows.map(toJob);
  }
}

function toJob(e: TrainingJobEntity): TrainingJob {
  return {
    id: e.id,
    datasetId: e.datasetId,
    status: e.status,
    request: e.request as unknown as TrainingRequestedPayload,
    eventId: e.eventId,
    correlationId: e.correlationId,
    runId: e.runId,
    bestModel: e.bestModel,
    modelVersion: e.modelVersion,
    result: e.result,
    error: e.error,
    createdAt: e.createdAt,
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
  };
}

/** {@link TrainingJobs} in memory (unit tests). */
export class InMemoryTrainingJobs extends TrainingJobs {
  readonly rows = new Map<string, TrainingJob>();

  insertQueued(
    _tx: EntityManager | undefined,
    job: { request: TrainingRequestedPayload; eventId: string; correlationId: string | null },
  ): Promise<boolean> {
    const id = job.request.trainingJobId;
    if (this.rows.has(id)) return Promise.resolve(false);
    this.rows.set(id, {
      id,
      datasetId: job.request.datasetId,
      status: 'queued',
      request: job.request,
      eventId: job.eventId,
      correlationId: job.correlationId,
      runId: null,
      bestModel: null,
      modelVersion: null,
      result: null,
      error: null,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
    });
    return Promise.resolve(true);
  }

  claim(id: string): Promise<boolean> {
    const row = this.rows.get(id);
    if (row?.status !== 'queued') return Promise.resolve(false);
    this.rows.set(id, { ...row, status: 'running', startedAt: new Date() });
    return Promise.resolve(true);
  }

  setRun(id: string, runId: string): Promise<void> {
    const row = this.rows.get(id);
    if (row) this.rows.set(id, { ...row, runId });
    return Promise.resolve();
  }

  finish(id: string, outcome: JobOutcome): Promise<void> {
    const row = this.rows.get(id);
    if (row) {
      this.rows.set(id, {
        ...row,
        status: outcome.status,
        finishedAt: new Date(),
        runId: outcome.runId ?? row.runId,
        bestModel: outcome.bestModel ?? row.bestModel,
        modelVersion: outcome.modelVersion ?? row.modelVersion,
        result: outcome.result ?? row.result,
        error: outcome.error ?? row.error,
      });
    }
    return Promise.resolve();
  }

  get(id: string): Promise<TrainingJob | undefined> {
    return Promise.resolve(this.rows.get(id));
  }

  inStatus(status: JobStatus, limit = 100): Promise<TrainingJob[]> {
    return Promise.resolve([...this.rows.values()].filter((r) => r.status === status).slice(0, limit));
  }
}
