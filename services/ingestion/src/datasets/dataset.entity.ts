import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Lifecycle of a dataset version: being written by an upload (invisible to others), an open stream window, or committed. */
export type DatasetStatus = 'loading' | 'open' | 'committed';
export type DatasetSourceKind = 'upload' | 'batch' | 'stream';
/**
 * A dataset's rows in the online feature store: `pending` (to write; the sweep retries),
 * `materialized`, `per_record` (a stream window: each record was written as it came), or
 * `not_applicable` (stored before ingestion wrote features; `POST /datasets/:id/materialize` writes them).
 */
export type FeaturesStatus = 'pending' | 'materialized' | 'per_record' | 'not_applicable';

/** A versioned dataset (table `ingestion.datasets`). */
@Entity({ name: 'datasets' })
export class DatasetEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  /** 1, 2, ... per name; null while an upload is still loading. */
  @Column('integer', { nullable: true })
  version!: number | null;

  @Column('text')
  status!: DatasetStatus;

  @Column('text')
  source!: DatasetSourceKind;

  /** The `source` object of the data-ingested contract (file name and size, submitter, topic and window). */
  @Column('jsonb', { name: 'source_detail' })
  sourceDetail!: Record<string, unknown>;

  /** SHA-256 of the canonical CSV of the accepted rows (the contract's contentHash). */
  @Column('char', { name: 'content_hash', length: 64, nullable: true })
  contentHash!: string | null;

  /** SHA-256 of what was received (the uploaded bytes, or the batch's JSON): an identical re-send returns this version. */
  @Column('char', { name: 'input_hash', length: 64, nullable: true })
  inputHash!: string | null;

  @Column('integer', { name: 'row_count' })
  rowCount!: number;

  @Column('integer', { name: 'quarantined_count' })
  quarantinedCount!: number;

  /** `[{ name, type }]` in canonical order. */
  @Column('jsonb')
  columns!: { name: string; type: string }[];

  @Column('timestamptz', { name: 'window_start', nullable: true })
  windowStart!: Date | null;

  @Column('timestamptz', { name: 'window_end', nullable: true })
  windowEnd!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'committed_at', nullable: true })
  committedAt!: Date | null;

  /** When data-ingested was acknowledged by the broker; null = still to publish. */
  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt!: Date | null;

  @Column('text', { name: 'features_status' })
  featuresStatus!: FeaturesStatus;

  @Column('timestamptz', { name: 'features_materialized_at', nullable: true })
  featuresMaterializedAt!: Date | null;

  @Column('integer', { name: 'features_attempts' })
  featuresAttempts!: number;

  @Column('text', { name: 'features_error', nullable: true })
  featuresError!: string | null;
}

/** A stored row (table `ingestion.dataset_rows`): the checked record as jsonb. */
@Entity({ name: 'dataset_rows' })
export class DatasetRowEntity {
  @PrimaryColumn('uuid', { name: 'dataset_id' })
  datasetId!: string;

  /** 1-based position in an upload or batch; a global sequence for streamed records. */
  @PrimaryColumn('bigint', { name: 'row_number' })
  rowNumber!: string;

  @Column('jsonb')
  record!: Record<string, string | number | null>;
}

/** A refused row (table `ingestion.dataset_quarantine`). */
@Entity({ name: 'dataset_quarantine' })
export class QuarantineEntity {
  @PrimaryColumn('bigint')
  id!: string;

  @Column('uuid', { name: 'dataset_id' })
  datasetId!: string;

  /** 1-based line of the file where the record starts (for a REST batch: the 1-based position in the array). */
  @Column('integer')
  line!: number;

  /** 1-based column, when the problem is in one field. */
  @Column('integer', { name: 'column_index', nullable: true })
  columnIndex!: number | null;

  @Column('text', { name: 'column_name', nullable: true })
  columnName!: string | null;

  @Column('text')
  reason!: string;

  /** The raw record, truncated to a few KB. */
  @Column('text')
  raw!: string;
}

/** A streamed record whose online features wait for the feature store (table `ingestion.feature_backlog`). */
@Entity({ name: 'feature_backlog' })
export class FeatureBacklogEntity {
  @PrimaryColumn('bigint')
  id!: string;

  @Column('text', { name: 'customer_id' })
  customerId!: string;

  @Column('jsonb')
  record!: Record<string, string | number | null>;

  /** The record event's time (epoch ms), the feature row's event time. */
  @Column('bigint', { name: 'event_time_ms' })
  eventTimeMs!: string;

  @Column('uuid', { name: 'dataset_id' })
  datasetId!: string;

  @Column('integer')
  attempts!: number;

  @Column('text', { name: 'last_error' })
  lastError!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
