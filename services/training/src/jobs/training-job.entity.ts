import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** Status of a training job. */
export type JobStatus = 'queued' | 'running' | 'registered' | 'rejected' | 'completed' | 'failed';

/** One training job (table `training.training_jobs`), keyed by the request's `trainingJobId`. */
@Entity({ name: 'training_jobs' })
@Index('training_jobs_status_idx', ['status'])
export class TrainingJobEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'dataset_id', type: 'uuid' })
  datasetId!: string;

  @Column({ type: 'text' })
  status!: JobStatus;

  /** The training-requested payload (config overrides, requester, reason). */
  @Column({ type: 'jsonb' })
  request!: Record<string, unknown>;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'correlation_id', type: 'text', nullable: true })
  correlationId!: string | null;

  @Column({ name: 'run_id', type: 'text', nullable: true })
  runId!: string | null;

  @Column({ name: 'best_model', type: 'text', nullable: true })
  bestModel!: string | null;

  @Column({ name: 'model_version', type: 'integer', nullable: true })
  modelVersion!: number | null;

  /** Outcome details: metrics, gate checks, or the failure's stage and type. */
  @Column({ type: 'jsonb', nullable: true })
  result!: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
