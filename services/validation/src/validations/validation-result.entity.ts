import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One run of the expectation suite on a dataset version (table `validation.validation_results`). */
@Entity({ name: 'validation_results' })
@Index('validation_results_dataset_created_idx', ['datasetId', 'createdAt'])
export class ValidationResultEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'dataset_id', type: 'uuid' })
  datasetId!: string;

  @Column({ name: 'suite_name', type: 'text' })
  suiteName!: string;

  @Column({ type: 'boolean' })
  success!: boolean;

  /** `{evaluated, successful, unsuccessful, success_percent}`. */
  @Column({ type: 'jsonb' })
  statistics!: Record<string, unknown>;

  /** The full validation result (Great Expectations' shape: results, failing, evaluated_at). */
  @Column({ type: 'jsonb' })
  results!: Record<string, unknown>;

  /** The column profile of the validated rows (libs/data-quality profileTable), for the HTML report. */
  @Column({ type: 'jsonb', nullable: true })
  profile!: Record<string, unknown> | null;

  /** Kafka event that caused the run (traceability). */
  @Column({ name: 'event_id', type: 'uuid', nullable: true })
  eventId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
