import { createHash, type Hash } from 'node:crypto';
import type { ColumnSpec } from '@mlops/contracts';
import { canonicalCsvLine, type DataSchema, type StoredValue } from '../schema/data-schema.js';
import type { IngestWrite, QuarantineItem } from './dataset.store.js';

const QUARANTINE_BATCH = 500;
const RAW_EXCERPT = 4096;

/**
 * Accepted rows and quarantined records of one ingest on their way to the store: multi-row inserts
 * of `batchRows`, one write in flight while the next batch is parsed (back-pressure: the caller
 * awaits {@link add} / {@link quarantine}, which wait when a second write would start), the content
 * hash over the canonical CSV of the accepted rows, and which numeric columns hold only integers.
 */
export class DatasetWriter {
  private rows: StoredValue[][] = [];
  private lines: string[] = [];
  private held: QuarantineItem[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private failed: unknown = null;
  private readonly hash: Hash;
  private readonly fractional: Uint8Array;
  stored = 0;
  quarantined = 0;

  constructor(
    private readonly write: IngestWrite,
    private readonly schema: DataSchema,
    private readonly batchRows: number,
  ) {
    this.hash = createHash('sha256').update(schema.canonicalHeader());
    this.fractional = new Uint8Array(schema.columns.length);
  }

  /** Adds an accepted row (values in canonical order). */
  async add(values: StoredValue[]): Promise<void> {
    const cols = this.schema.columns;
    for (let c = 0; c < values.length; c++) {
      const v = values[c];
      if (typeof v === 'number' && !Number.isInteger(v) && cols[c]!.kind === 'numeric') this.fractional[c] = 1;
    }
    this.rows.push(values);
    this.lines.push(canonicalCsvLine(values));
    this.stored++;
    if (this.rows.length >= this.batchRows) await this.flushRows();
  }

  /** Adds a refused record; its raw text is cut to 4 KB and NUL characters are replaced. */
  async quarantine(item: QuarantineItem): Promise<void> {
    const raw = item.raw.length > RAW_EXCERPT ? `${item.raw.slice(0, RAW_EXCERPT)}...` : item.raw;
    this.held.push({ ...item, raw: raw.replace(/\u0000/g, '\uFFFD'), reason: item.reason.replace(/\u0000/g, '\uFFFD') });
    this.quarantined++;
    if (this.held.length >= QUARANTINE_BATCH) await this.flushQuarantine();
  }

  /** Writes what is held and waits for every write. */
  async flush(): Promise<void> {
    await this.flushRows();
    await this.flushQuarantine();
    await this.settle();
  }

  /** SHA-256 (hex) of the canonical CSV of the accepted rows; call after {@link flush}. */
  contentHash(): string {
    return this.hash.digest('hex');
  }

  columns(): ColumnSpec[] {
    const integer = new Set<string>();
    this.schema.columns.forEach((c, i) => {
      if (c.kind === 'numeric' && this.fractional[i] === 0) integer.add(c.name);
    });
    return this.schema.columnSpecs(integer);
  }

  /** Waits for the write in flight; rethrows its failure. */
  async settle(): Promise<void> {
    await this.inFlight;
    if (this.failed !== null) throw this.failed;
  }

  private async flushRows(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    const first = this.stored - rows.length + 1;
    this.hash.update(this.lines.join(''));
    this.rows = [];
    this.lines = [];
    await this.enqueue(() => this.write.insertRows(first, rows));
  }

  private async flushQuarantine(): Promise<void> {
    if (this.held.length === 0) return;
    const items = this.held;
    this.held = [];
    await this.enqueue(() => this.write.insertQuarantine(items));
  }

  private async enqueue(op: () => Promise<void>): Promise<void> {
    await this.settle();
    this.inFlight = op().catch((error: unknown) => {
      this.failed = error;
    });
  }
}
