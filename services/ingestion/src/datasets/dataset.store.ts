import type { ColumnSpec } from '@mlops/contracts';
import type { StoredValue } from '../schema/data-schema.js';
import type { DatasetSourceKind, DatasetStatus, FeaturesStatus } from './dataset.entity.js';

/** Where a dataset's rows are in the online feature store. */
export interface FeaturesState {
  readonly status: FeaturesStatus;
  /** When its rows were written (status materialized). */
  readonly materializedAt: Date | null;
  /** Failed attempts so far. */
  readonly attempts: number;
  /** Why the last attempt failed (status pending), else null. */
  readonly error: string | null;
}

/** A dataset version as the service sees it. */
export interface DatasetRecord {
  readonly id: string;
  readonly name: string;
  readonly version: number | null;
  readonly status: DatasetStatus;
  readonly source: DatasetSourceKind;
  readonly sourceDetail: Record<string, unknown>;
  readonly contentHash: string | null;
  readonly inputHash: string | null;
  readonly rowCount: number;
  readonly quarantinedCount: number;
  readonly columns: readonly ColumnSpec[];
  readonly windowStart: Date | null;
  readonly windowEnd: Date | null;
  readonly createdAt: Date;
  readonly committedAt: Date | null;
  readonly publishedAt: Date | null;
  readonly features: FeaturesState;
}

/** A streamed record whose online features are still to be written (the feature store was down). */
export interface BacklogItem {
  readonly customerId: string;
  /** The checked record, column -> stored value. */
  readonly record: Readonly<Record<string, StoredValue>>;
  /** The record event's time, epoch ms: the feature row's event time. */
  readonly eventTimeMs: number;
  readonly datasetId: string;
  readonly error: string;
}

export interface BacklogEntry extends BacklogItem {
  readonly id: string;
  readonly attempts: number;
}

/** A refused row. */
export interface QuarantineItem {
  readonly line: number;
  readonly columnIndex: number | null;
  readonly columnName: string | null;
  readonly reason: string;
  readonly raw: string;
}

/** What an ingest knows once every row is written. */
export interface IngestSummary {
  readonly inputHash: string;
  readonly contentHash: string;
  readonly rowCount: number;
  readonly quarantinedCount: number;
  readonly columns: readonly ColumnSpec[];
  readonly sourceDetail: Record<string, unknown>;
}

/**
 * One upload or batch, written in one transaction: nothing is visible until {@link commit}; an
 * identical earlier input (same name and input hash) makes commit roll back and return that version.
 */
export interface IngestWrite {
  readonly datasetId: string;
  /** Stores rows (values in the schema's canonical order) numbered from `firstRowNumber`. */
  insertRows(firstRowNumber: number, rows: readonly (readonly StoredValue[])[]): Promise<void>;
  insertQuarantine(items: readonly QuarantineItem[]): Promise<void>;
  commit(summary: IngestSummary): Promise<{ dataset: DatasetRecord; created: boolean }>;
  /** Rolls back (idempotent; after commit a no-op). */
  abort(): Promise<void>;
}

/** The store a stream window append writes through: the consumer's transaction. */
export type StreamTx = unknown;

/** Persistence of datasets (PostgreSQL in the service; in memory in unit tests). */
export abstract class DatasetStore {
  abstract beginIngest(name: string, source: DatasetSourceKind, columnNames: readonly string[]): Promise<IngestWrite>;
  abstract list(options: { name?: string; limit: number; offset: number }): Promise<DatasetRecord[]>;
  abstract get(id: string): Promise<DatasetRecord | null>;
  abstract quarantine(id: string, limit: number, offset: number): Promise<QuarantineItem[]>;
  /**
   * The stored rows of a dataset in row order (line order of an upload), values in the order of
   * `columnNames`, as pages of at most `pageSize` rows read one after the other (keyset on the row
   * number): memory stays bounded by one page whatever the dataset's size.
   */
  abstract rowPages(id: string, columnNames: readonly string[], pageSize: number): AsyncIterable<StoredValue[][]>;
  /**
   * Appends one checked record to the open stream window of `name` (opening one, with the next
   * version, when none is open) inside `tx`, the consumer's idempotency transaction.
   */
  abstract appendStreamRecord(
    tx: StreamTx,
    name: string,
    values: readonly StoredValue[],
    columnNames: readonly string[],
    window: { start: Date; end: Date; detail: Record<string, unknown> },
  ): Promise<{ datasetId: string; opened: boolean }>;
  /** Ids of open stream windows whose end is at or before `now`. */
  abstract dueStreamWindows(now: Date): Promise<string[]>;
  /**
   * Closes an open stream window: waits for in-flight appends, reads its rows in order through
   * `onRows` (to hash them), then sets counts, hash, columns and `committed`. Null if it is not open.
   */
  abstract closeStreamWindow(
    id: string,
    columnNames: readonly string[],
    onRows: (rows: StoredValue[][]) => void,
    finish: (rowCount: number) => { contentHash: string; columns: readonly ColumnSpec[]; sourceDetail: Record<string, unknown> },
  ): Promise<DatasetRecord | null>;
  /** Committed datasets whose data-ingested event is not yet acknowledged, oldest first. */
  abstract unpublished(limit: number): Promise<DatasetRecord[]>;
  abstract markPublished(id: string, at: Date): Promise<void>;
  /** Committed upload/batch datasets whose features are not written yet (status pending), oldest first. */
  abstract featuresPending(limit: number): Promise<DatasetRecord[]>;
  /**
   * The outcome of a materialization: `materializedAt` (status materialized, error cleared), or
   * `error` (stays pending, attempts + 1, the sweep retries).
   */
  abstract markFeatures(id: string, outcome: { readonly materializedAt: Date } | { readonly error: string }): Promise<void>;
  /** Keeps a record whose features could not be written, in `tx` (the consumer's, with the record itself). */
  abstract enqueueFeatures(tx: StreamTx, item: BacklogItem): Promise<void>;
  /** The oldest backlog entries. */
  abstract featureBacklog(limit: number): Promise<BacklogEntry[]>;
  /** Removes the written entries; counts a failed attempt (with its error) on the others. */
  abstract settleBacklog(written: readonly string[], failed: readonly string[], error: string | null): Promise<void>;
  /** How much is waiting: datasets pending and backlog records. */
  abstract featuresBacklogSize(): Promise<{ datasets: number; records: number }>;
}
