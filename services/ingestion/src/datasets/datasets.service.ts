import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { topics, type DataIngestedPayload, type EventOf } from '@mlops/contracts';
import { EventPublisher, NonRetriableError } from '@mlops/messaging';
import { JsonLogger } from '@mlops/observability';
import { CsvRecordReader, type CsvRecord } from '../csv/csv-record-reader.js';
import { FeatureMaterializer, type FeaturesOutcome } from '../features/feature-materializer.js';
import { canonicalCsvLine, DataSchema, isProblem, truncate, type StoredValue } from '../schema/data-schema.js';
import { INGESTION_SETTINGS, type IngestionSettings } from '../settings/ingestion-settings.js';
import { DatasetWriter } from './dataset-writer.js';
import { DatasetStore, type DatasetRecord, type IngestWrite, type QuarantineItem, type StreamTx } from './dataset.store.js';
import { IngestionError, IngestionErrorCode, type RecordError } from './ingestion.error.js';

/** The outcome of an upload or a batch. */
export interface IngestResult {
  readonly dataset: DatasetRecord;
  /** False when an identical input (same name, same input hash) was already stored: that version is returned. */
  readonly created: boolean;
  /** Data records read: stored + quarantined (a record can span lines through quoted line breaks). */
  readonly records: number;
  readonly stored: number;
  readonly quarantined: number;
  /** The dataset's online features: written now, already written, or pending (with the error) and retried by the sweep. */
  readonly features: FeaturesOutcome;
}

export interface CsvUploadMeta {
  readonly fileName: string;
  readonly delimiter?: string;
  /** The Content-Length header, when sent (checked against the limit before reading). */
  readonly contentLength?: number;
}

const NAME = /^[a-z][a-z0-9_.-]{0,127}$/;
const DELIMITER_HINTS: readonly [string, string][] = [
  [';', 'semicolon'],
  ['\t', 'tab'],
  ['|', 'pipe'],
];
const MAX_LISTED_ERRORS = 100;
/** Rows read from the store per page when serving a dataset's rows. */
const ROWS_PAGE_SIZE = 5000;

/**
 * Datasets: CSV uploads streamed in bounded memory, REST batches, streamed record events appended
 * to a daily window, and the data-ingested event of every committed version (re-sent until the
 * broker acknowledges it, with the dataset id as eventId so consumers drop repeats).
 */
@Injectable()
export class DatasetsService {
  constructor(
    @Inject(DatasetStore) private readonly store: DatasetStore,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(DataSchema) private readonly schema: DataSchema,
    @Inject(INGESTION_SETTINGS) private readonly settings: IngestionSettings,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(FeatureMaterializer) private readonly features: FeatureMaterializer,
  ) {}

  /**
   * Stores a CSV upload as a new version of `name`, reading `body` chunk by chunk: the header must
   * hold exactly the schema's columns; bad records are quarantined with line, column and reason;
   * good ones are inserted in batches as they come. One transaction: a failed upload leaves nothing.
   * @throws IngestionError (empty file, bad header, wrong delimiter, no data rows, too large).
   */
  async ingestCsv(name: string, body: AsyncIterable<Uint8Array>, meta: CsvUploadMeta): Promise<IngestResult> {
    this.checkName(name);
    const limit = this.settings.maxBodyBytes;
    if (meta.contentLength !== undefined && meta.contentLength > limit) throw tooLarge(meta.contentLength, limit);
    const reader = new CsvRecordReader({
      ...(meta.delimiter !== undefined ? { delimiter: meta.delimiter } : {}),
      maxRecordBytes: this.settings.maxLineBytes,
    });
    const inputHash = createHash('sha256');
    let write: IngestWrite | undefined;
    let writer: DatasetWriter | undefined;
    let order: number[] | undefined;
    let bytes = 0;
    const width = this.schema.columns.length;
    const handle = async (records: CsvRecord[]): Promise<void> => {
      for (const record of records) {
        if (order === undefined) {
          order = this.headerOrder(record, meta.delimiter ?? ',');
          write = await this.store.beginIngest(name, 'upload', this.schema.names);
          writer = new DatasetWriter(write, this.schema, this.settings.insertBatchRows);
          continue;
        }
        const w = writer!;
        if (record.problem !== null) {
          const columnName = record.column !== null && record.column <= order.length ? this.schema.names[order[record.column - 1]!]! : null;
          await w.quarantine({ line: record.line, columnIndex: record.column, columnName, reason: record.problem, raw: record.raw });
          continue;
        }
        const fields = record.fields;
        if (fields.length !== order.length) {
          await w.quarantine({
            line: record.line,
            columnIndex: fields.length < order.length ? fields.length + 1 : order.length + 1,
            columnName: null,
            reason: `expected ${order.length} fields, found ${fields.length}`,
            raw: rawOf(fields, meta.delimiter ?? ','),
          });
          continue;
        }
        const values: StoredValue[] = new Array<StoredValue>(width);
        let bad: QuarantineItem | null = null;
        for (let i = 0; i < fields.length; i++) {
          const c = order[i]!;
          const v = this.schema.checkText(c, fields[i]!);
          if (isProblem(v)) {
            bad = { line: record.line, columnIndex: i + 1, columnName: v.column, reason: v.reason, raw: rawOf(fields, meta.delimiter ?? ',') };
            break;
          }
          values[c] = v;
        }
        if (bad !== null) await w.quarantine(bad);
        else await w.add(values);
      }
    };
    try {
      for await (const chunk of body) {
        bytes += chunk.length;
        if (bytes > limit) throw tooLarge(bytes, limit);
        inputHash.update(chunk);
        await handle(reader.push(chunk));
      }
      await handle(reader.finish());
      if (order === undefined || writer === undefined || write === undefined) {
        throw new IngestionError(
          IngestionErrorCode.EmptyFile,
          `the file is empty: send a CSV whose first line is the header (${this.schema.names.join(',')}) followed by the rows`,
        );
      }
      await writer.flush();
      if (writer.stored + writer.quarantined === 0) {
        throw new IngestionError(IngestionErrorCode.NoRows, 'the file has a header but no data rows: add rows below the header');
      }
      const outcome = await write.commit({
        inputHash: inputHash.digest('hex'),
        contentHash: writer.contentHash(),
        rowCount: writer.stored,
        quarantinedCount: writer.quarantined,
        columns: writer.columns(),
        sourceDetail: { kind: 'upload', fileName: meta.fileName, sizeBytes: bytes },
      });
      return await this.finishIngest(outcome, writer.stored, writer.quarantined);
    } catch (error) {
      if (writer !== undefined) await writer.settle().catch(() => undefined);
      if (write !== undefined) await write.abort().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Stores a REST batch (an array of objects column -> value) as a new version of `name`.
   * All-or-nothing by default: one invalid record -> 400 listing the bad records (index, field,
   * reason) and nothing stored. With `partial`, the valid records are stored and the invalid ones
   * quarantined (line = 1-based position in the array).
   */
  async ingestBatch(name: string, body: unknown, options: { partial: boolean; submittedBy: string }): Promise<IngestResult> {
    this.checkName(name);
    const records = Array.isArray(body) ? (body as unknown[]) : undefined;
    if (records === undefined) {
      throw new IngestionError(IngestionErrorCode.InvalidRecords, 'expected a JSON array of records (objects column -> value)');
    }
    if (records.length === 0) throw new IngestionError(IngestionErrorCode.NoRows, 'the batch is empty: send at least one record');
    if (records.length > this.settings.maxBatchRecords) {
      throw new IngestionError(
        IngestionErrorCode.TooLarge,
        `the batch holds ${records.length} records; send at most ${this.settings.maxBatchRecords} per call (or upload a CSV)`,
      );
    }
    const checked = records.map((r) => this.schema.checkObject(r));
    const errors: RecordError[] = [];
    checked.forEach((c, index) => {
      if ('problems' in c) for (const p of c.problems) errors.push({ index, field: p.column, reason: p.reason });
    });
    if (errors.length > 0 && !options.partial) {
      const first = errors[0]!;
      throw new IngestionError(
        IngestionErrorCode.InvalidRecords,
        `${errors.length} problem(s) in the batch, nothing stored; first: record index ${first.index}` +
          `${first.field !== null ? `, field "${first.field}"` : ''}: ${first.reason}. Fix the records or send ?partial=true to keep the valid ones`,
        { errors: errors.slice(0, MAX_LISTED_ERRORS) },
      );
    }
    const write = await this.store.beginIngest(name, 'batch', this.schema.names);
    const writer = new DatasetWriter(write, this.schema, this.settings.insertBatchRows);
    try {
      for (let i = 0; i < checked.length; i++) {
        const c = checked[i]!;
        if ('values' in c) await writer.add(c.values);
        else {
          const p = c.problems[0]!;
          await writer.quarantine({
            line: i + 1,
            columnIndex: p.column !== null && this.schema.indexOf(p.column) >= 0 ? this.schema.indexOf(p.column) + 1 : null,
            columnName: p.column,
            reason: c.problems.map((q) => (q.column !== null ? `${q.column}: ${q.reason}` : q.reason)).join('; '),
            raw: safeJson(records[i]),
          });
        }
      }
      await writer.flush();
      const outcome = await write.commit({
        inputHash: createHash('sha256').update(safeJson(records)).digest('hex'),
        contentHash: writer.contentHash(),
        rowCount: writer.stored,
        quarantinedCount: writer.quarantined,
        columns: writer.columns(),
        sourceDetail: { kind: 'batch', submittedBy: options.submittedBy },
      });
      return await this.finishIngest(outcome, writer.stored, writer.quarantined);
    } catch (error) {
      await writer.settle().catch(() => undefined);
      await write.abort().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Appends a streamed record to the open window of its dataset, in the consumer's transaction (so
   * the dedupe record and the row commit together), and writes its online features (event time =
   * the event's occurredAt; when the feature store is down they join the backlog in the same
   * transaction). The record's values may omit the id column (it is the event's customerId); when
   * present they must agree.
   * @throws NonRetriableError when the record does not fit the schema (the message is dead-lettered with the reason).
   */
  async appendRecord(
    event: EventOf<typeof topics.dataRecord>,
    tx: StreamTx,
    now: Date = new Date(),
  ): Promise<{ datasetId: string; opened: boolean; features: 'written' | 'stale' | 'backlog' }> {
    const { customerId, datasetName, values } = event.payload;
    const idColumn = this.schema.idColumn;
    const given = values[idColumn];
    if (given !== undefined && given !== customerId) {
      throw new NonRetriableError(`record ${event.eventId}: ${idColumn} ${JSON.stringify(given)} differs from the event's customerId ${JSON.stringify(customerId)}`);
    }
    const checked = this.schema.checkObject(given === undefined ? { ...values, [idColumn]: customerId } : values);
    if ('problems' in checked) {
      throw new NonRetriableError(
        `record ${event.eventId} of customer ${customerId} does not fit the data schema: ` +
          checked.problems.map((p) => (p.column !== null ? `${p.column}: ${p.reason}` : p.reason)).join('; '),
      );
    }
    const start = now;
    const end = nextUtcMidnight(now);
    const appended = await this.store.appendStreamRecord(tx, datasetName, checked.values, this.schema.names, {
      start,
      end,
      detail: { kind: 'stream', topic: topics.dataRecord.name, window: { start: start.toISOString(), end: end.toISOString() } },
    });
    // The record's online features, with the event's time: a late or replayed older record never replaces a newer row.
    const features = await this.features.materializeRecord(tx, {
      customerId,
      values: checked.values,
      eventTime: new Date(event.occurredAt),
      datasetId: appended.datasetId,
      eventId: event.eventId,
    });
    return { ...appended, features };
  }

  /**
   * Closes an open stream window now (normally done when its UTC day ends): hashes its rows,
   * commits it and emits data-ingested.
   * @throws IngestionError NotOpen when the dataset is not an open stream window.
   */
  async closeWindow(id: string, now: Date = new Date()): Promise<DatasetRecord> {
    const current = await this.store.get(id);
    if (current === null) throw new IngestionError(IngestionErrorCode.NotFound, `no dataset ${id}`);
    if (current.status !== 'open') {
      throw new IngestionError(IngestionErrorCode.NotOpen, `dataset ${id} is not an open stream window (status ${current.status})`);
    }
    const hash = createHash('sha256').update(this.schema.canonicalHeader());
    const fractional = new Set<string>();
    const numeric = this.schema.columns.map((c) => c.kind === 'numeric');
    const closed = await this.store.closeStreamWindow(
      id,
      this.schema.names,
      (rows) => {
        let text = '';
        for (const row of rows) {
          text += canonicalCsvLine(row);
          row.forEach((v, c) => {
            if (numeric[c] && typeof v === 'number' && !Number.isInteger(v)) fractional.add(this.schema.names[c]!);
          });
        }
        hash.update(text);
      },
      () => {
        const integer = new Set(this.schema.columns.filter((c) => c.kind === 'numeric' && !fractional.has(c.name)).map((c) => c.name));
        const start = current.windowStart ?? current.createdAt;
        const windowEnd = current.windowEnd ?? now;
        const end = now < windowEnd ? now : windowEnd;
        return {
          contentHash: hash.digest('hex'),
          columns: this.schema.columnSpecs(integer),
          sourceDetail: { kind: 'stream', topic: topics.dataRecord.name, window: { start: start.toISOString(), end: end.toISOString() } },
        };
      },
    );
    if (closed === null) {
      throw new IngestionError(IngestionErrorCode.NotOpen, `dataset ${id} was closed meanwhile`);
    }
    await this.publish(closed);
    return closed;
  }

  /**
   * Closes the windows whose day has ended, re-sends unacknowledged data-ingested events, and
   * retries the online features not written yet (pending datasets, backlog records).
   */
  async sweep(now: Date = new Date()): Promise<{ closed: number; published: number; featureDatasets: number; featureRecords: number }> {
    let closed = 0;
    for (const id of await this.store.dueStreamWindows(now)) {
      try {
        await this.closeWindow(id, now);
        closed++;
      } catch (error) {
        if (!(error instanceof IngestionError && error.code === IngestionErrorCode.NotOpen)) throw error;
      }
    }
    let published = 0;
    for (const dataset of await this.store.unpublished(100)) {
      if (await this.publish(dataset)) published++;
    }
    const features = await this.features.retry();
    return { closed, published, featureDatasets: features.datasets, featureRecords: features.records };
  }

  /**
   * Writes (again) the online features of a committed upload or batch: after a feature store
   * outage without waiting for the sweep, after Redis lost its data, or for a dataset stored before
   * ingestion wrote features. Newer rows already in the store are kept (the dataset's commit time is
   * its event time).
   * @throws IngestionError NotFound, NotMaterializable (a stream window), NotOpen (not committed),
   *   FeatureStoreUnavailable (the store did not take it; the dataset stays pending and the sweep retries).
   */
  async materialize(id: string): Promise<{ dataset: DatasetRecord; features: FeaturesOutcome }> {
    const dataset = await this.get(id);
    if (dataset.source === 'stream') {
      throw new IngestionError(
        IngestionErrorCode.NotMaterializable,
        `dataset ${id} is a stream window: its records' features are written one by one as they are consumed (with each event's time)`,
      );
    }
    if (dataset.status !== 'committed') throw new IngestionError(IngestionErrorCode.NotOpen, `dataset ${id} is not committed (status ${dataset.status})`);
    const features = await this.features.materializeDataset(dataset, { force: true });
    if (features.status === 'pending') {
      throw new IngestionError(IngestionErrorCode.FeatureStoreUnavailable, `${features.error}. The dataset is stored; its features stay pending and the sweep retries them`);
    }
    return { dataset: (await this.store.get(id)) ?? dataset, features };
  }

  list(options: { name?: string; limit: number; offset: number }): Promise<DatasetRecord[]> {
    return this.store.list(options);
  }

  async get(id: string): Promise<DatasetRecord> {
    const dataset = await this.store.get(id);
    if (dataset === null) throw new IngestionError(IngestionErrorCode.NotFound, `no dataset ${id}: list them with GET /datasets`);
    return dataset;
  }

  async quarantine(id: string, limit: number, offset: number): Promise<{ dataset: DatasetRecord; items: QuarantineItem[] }> {
    const dataset = await this.get(id);
    return { dataset, items: await this.store.quarantine(id, limit, offset) };
  }

  /**
   * The accepted rows of a dataset as CSV text (`format` must be `csv`): the header row in the
   * dataset's column order (the schema's canonical order), then one line per row in row order
   * (upload line order), RFC 4180 escaped, numbers as JavaScript prints them, missing values empty,
   * LF line ends. Checks happen before anything is returned (400 unknown format, 404 unknown id);
   * the text is produced page by page from the store, so memory stays bounded by one page.
   * @throws IngestionError UnsupportedFormat, NotFound.
   */
  async rowsCsv(id: string, format: string, pageSize = ROWS_PAGE_SIZE): Promise<{ dataset: DatasetRecord; chunks: AsyncIterable<string> }> {
    if (format !== 'csv') {
      throw new IngestionError(
        IngestionErrorCode.UnsupportedFormat,
        `format ${JSON.stringify(format)} is not supported: ask for ?format=csv (the only format served)`,
      );
    }
    const dataset = await this.get(id);
    const names = dataset.columns.length > 0 ? dataset.columns.map((c) => c.name) : [...this.schema.names];
    const store = this.store;
    async function* chunks(): AsyncIterable<string> {
      yield canonicalCsvLine(names);
      for await (const page of store.rowPages(id, names, pageSize)) {
        let text = '';
        for (const row of page) text += canonicalCsvLine(row);
        yield text;
      }
    }
    return { dataset, chunks: chunks() };
  }

  /** The data-ingested payload of a committed dataset. */
  ingestedPayload(d: DatasetRecord): DataIngestedPayload {
    return {
      datasetId: d.id,
      datasetName: d.name,
      version: d.version!,
      contentHash: d.contentHash!,
      rowCount: d.rowCount,
      quarantinedCount: d.quarantinedCount,
      columns: [...d.columns],
      source: d.sourceDetail as DataIngestedPayload['source'],
      storedAt: (d.committedAt ?? d.createdAt).toISOString(),
    };
  }

  /** Publishes data-ingested (eventId = dataset id); false when the broker did not take it (the sweep retries). */
  private async publish(dataset: DatasetRecord): Promise<boolean> {
    try {
      await this.events.publish(topics.dataIngested, this.ingestedPayload(dataset), { eventId: dataset.id });
      await this.store.markPublished(dataset.id, new Date());
      this.logger.info('dataset ingested', {
        datasetId: dataset.id,
        datasetName: dataset.name,
        version: dataset.version,
        rowCount: dataset.rowCount,
        quarantinedCount: dataset.quarantinedCount,
        source: dataset.source,
      });
      return true;
    } catch (error) {
      this.logger.warn('data-ingested not published yet; the sweep will retry', {
        datasetId: dataset.id,
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  }

  /**
   * After a commit: data-ingested, then the online features (a failure leaves them pending, reported
   * in the answer; the upload itself succeeded). The same input again: its features are written
   * again only if they are still pending.
   */
  private async finishIngest(
    outcome: { dataset: DatasetRecord; created: boolean },
    stored: number,
    quarantined: number,
  ): Promise<IngestResult> {
    if (outcome.created) await this.publish(outcome.dataset);
    let d = outcome.dataset;
    let features: FeaturesOutcome = { status: d.features.status, featureView: this.features.featureView, ...(d.features.error !== null ? { error: d.features.error } : {}) };
    if (d.features.status === 'pending') {
      features = await this.features.materializeDataset(d);
      d = (await this.store.get(d.id)) ?? d;
    }
    return outcome.created
      ? { dataset: d, created: true, records: stored + quarantined, stored, quarantined, features }
      : { dataset: d, created: false, records: d.rowCount + d.quarantinedCount, stored: d.rowCount, quarantined: d.quarantinedCount, features };
  }

  private checkName(name: string): void {
    if (!NAME.test(name)) {
      throw new IngestionError(
        IngestionErrorCode.InvalidName,
        `dataset name ${JSON.stringify(truncate(name, 140))} is invalid: use a lowercase identifier (a-z first, then a-z 0-9 _ . -, at most 128)`,
      );
    }
  }

  /** Checks the header record; returns the canonical index of each header field. */
  private headerOrder(header: CsvRecord, delimiter: string): number[] {
    const fields = header.fields.map((f) => f.trim());
    // One column, or quoted names followed by another separator: the file uses another delimiter.
    const single = header.problem !== null ? header.raw : fields.length === 1 ? fields[0]! : '';
    if (single !== '') {
      for (const [ch, label] of DELIMITER_HINTS) {
        if (ch !== delimiter && single.includes(ch)) {
          throw new IngestionError(
            IngestionErrorCode.WrongDelimiter,
            `the header is one column holding '${label === 'tab' ? '\\t' : ch}' characters: the file looks ${label}-separated. ` +
              `Save it as comma-separated CSV, or pass ?delimiter=${encodeURIComponent(ch)}`,
          );
        }
      }
    }
    if (header.problem !== null) {
      throw new IngestionError(IngestionErrorCode.BadHeader, `the header (line ${header.line}) cannot be read: ${header.problem}`, { line: header.line });
    }
    const mapped = this.schema.mapHeader(fields);
    if ('problem' in mapped) throw new IngestionError(IngestionErrorCode.BadHeader, `bad header: ${mapped.problem}`, { line: header.line });
    return mapped.order;
  }
}

function tooLarge(bytes: number, limit: number): IngestionError {
  return new IngestionError(
    IngestionErrorCode.TooLarge,
    `the upload is larger than ${limit} bytes (${bytes} read): split the file or raise INGESTION_MAX_BODY_BYTES`,
  );
}

function rawOf(fields: readonly string[], delimiter: string): string {
  return fields.map((f) => (/[",\n\r]/.test(f) || f.includes(delimiter) ? `"${f.replace(/"/g, '""')}"` : f)).join(delimiter);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'undefined';
  } catch {
    return String(v);
  }
}

/** The next 00:00 UTC strictly after `t`. */
export function nextUtcMidnight(t: Date): Date {
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + 1));
}
