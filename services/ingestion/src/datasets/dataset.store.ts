import type { ColumnSpec } from '@mlops/contracts';
import type { StoredValue } from '../schema/data-schema.js';
import type { DatasetSourceKind, DatasetStatus } from './dataset.entity.js';

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
}
