import { randomUUID } from 'node:crypto';
import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  topics,
  type ColumnDrift,
  type DataDriftCheckedPayload,
  type DataDriftDetectedPayload,
  type EventOf,
} from '@mlops/contracts';
import { driftReport, type DriftColumn, type DriftTable } from '@mlops/drift';
import { eventItem, EventPublisher } from '@mlops/messaging';
import { MetricsRegistry } from '@mlops/observability';
import { DATASET_READER, type DatasetReader } from '@mlops/service-kit';
import {
  coerceColumn,
  datasetToDriftTable,
  isIdentifierLike,
  kindsOf,
  presentCount,
  rowsToDriftTable,
} from '../datasets/drift-table.js';
import { derivedEventId } from './derived-event-id.js';
import { DRIFT_SETTINGS, type DriftSettings } from './drift-settings.js';
import { DriftStore, type StoredCheck, type StoredReference } from './drift.repository.js';

/** What a dataset check did. */
export type DatasetCheckOutcome =
  | { kind: 'checked'; check: Omit<StoredCheck, 'createdAt'>; referenceSet: boolean }
  | { kind: 'skipped'; reason: string };

type Subject = { datasetId: string } | { window: { modelName: string; start: Date; end: Date } };

/** The event a dataset check answers (its eventId seeds the check's and the emitted events' ids). */
type SourceEvent = EventOf<typeof topics.dataValidationCompleted>;

/**
 * Compares datasets and windows of served inputs with the reference (libs/drift, Evidently's
 * defaults as configured), stores each check with its per-column results, exports the gauges and
 * announces drift-checked (always) and drift-detected (when any column drifted).
 *
 * The reference: set explicitly (`PUT /drift/reference`), else the first dataset that passed
 * validation becomes it (checked against itself). Once the registry names the production model's
 * training dataset, that will replace the explicit setting.
 */
@Injectable()
export class DriftService {
  private referenceCache: { datasetId: string; table: DriftTable } | undefined;
  private readonly score;
  private readonly detected;
  private readonly share;

  constructor(
    @Inject(DATASET_READER) private readonly reader: DatasetReader,
    @Inject(DriftStore) private readonly store: DriftStore,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(MetricsRegistry) metrics: MetricsRegistry,
    @Inject(DRIFT_SETTINGS) private readonly settings: DriftSettings,
  ) {
    this.score = metrics.gauge({
      name: 'drift_score',
      help: "Drift score of the last check per column (Evidently's: p-value for ks/chisquare/z, else the distance)",
      labelNames: ['column'],
    });
    this.detected = metrics.gauge({
      name: 'drift_detected',
      help: 'Whether the column drifted in the last check (1) or not (0)',
      labelNames: ['column'],
    });
    this.share = metrics.gauge({
      name: 'drift_share',
      help: 'Share of compared columns that drifted in the last check',
    });
  }

  /**
   * On validation-completed: a dataset that failed validation is skipped (config
   * `validation.fail_pipeline_on_failure`, the default) without reading it; a passed one is read from
   * ingestion, becomes the reference when none is set, then is compared with the reference.
   */
  async onValidated(event: SourceEvent, tx: EntityManager | undefined): Promise<DatasetCheckOutcome> {
    const { datasetId, passed } = event.payload;
    if (!passed && this.settings.skipFailedDatasets) {
      const failing = [...new Set(event.payload.failingExpectations.map((f) => f.expectationType))];
      return { kind: 'skipped', reason: `the dataset failed validation (${failing.join(', ')})` };
    }
    const current = datasetToDriftTable(await this.reader.read(datasetId));
    let reference = await this.store.currentReference(tx);
    let referenceSet = false;
    if (reference === undefined) {
      reference = await this.store.setReference(tx, datasetId, 'first-validated');
      referenceSet = true;
    }
    const referenceTable =
      reference.datasetId === datasetId ? current : await this.referenceTable(reference.datasetId);
    const check = await this.check({ datasetId }, reference.datasetId, referenceTable, current, tx, event);
    return { kind: 'checked', check, referenceSet };
  }

  /**
   * Compares the inputs served in [from, to) (at most `drift.live_window.max_rows`, the most recent)
   * with the reference. `modelName` is needed when the window holds several models.
   */
  async checkWindow(from: Date, to: Date, modelName?: string): Promise<Omit<StoredCheck, 'createdAt'>> {
    if (!(from.getTime() < to.getTime())) {
      throw new BadRequestException(`from (${from.toISOString()}) must be before to (${to.toISOString()})`);
    }
    const reference = await this.store.currentReference();
    if (reference === undefined) {
      throw new BadRequestException('no drift reference is set: PUT /drift/reference {datasetId} first');
    }
    const rows = await this.store.servedInputs(from, to, this.settings.liveWindowMaxRows, modelName);
    if (rows.length === 0) {
      throw new BadRequestException(`no served inputs between ${from.toISOString()} and ${to.toISOString()}`);
    }
    const models = [...new Set(rows.map((r) => r.modelName))];
    if (models.length > 1) {
      throw new BadRequestException(`the window holds several models (${models.join(', ')}): pass modelName`);
    }
    const referenceTable = await this.referenceTable(reference.datasetId);
    const current = rowsToDriftTable(
      rows.map((r) => r.features),
      kindsOf(referenceTable),
    );
    return this.check(
      { window: { modelName: models[0] as string, start: from, end: to } },
      reference.datasetId,
      referenceTable,
      current,
      undefined,
      undefined,
    );
  }

  /** Keeps the inputs of a batch of served predictions for window checks. */
  async recordServed(
    event: EventOf<typeof topics.predictionServed>,
    tx: EntityManager | undefined,
  ): Promise<number> {
    const rows = event.payload.predictions.map((p) => ({
      requestId: p.requestId,
      modelName: p.modelName,
      modelVersion: p.modelVersion,
      servedAt: p.servedAt,
      features: p.features,
    }));
    await this.store.addServedInputs(tx, rows);
    return rows.length;
  }

  /** Sets the reference explicitly (it must be readable from ingestion). */
  async setReference(datasetId: string): Promise<StoredReference> {
    const table = datasetToDriftTable(await this.reader.read(datasetId));
    const stored = await this.store.setReference(undefined, datasetId, 'explicit');
    this.referenceCache = { datasetId, table };
    return stored;
  }

  async reference(): Promise<StoredReference> {
    const r = await this.store.currentReference();
    if (r === undefined)
      throw new NotFoundException('no drift reference is set yet: PUT /drift/reference {datasetId}');
    return r;
  }

  async latestForDataset(datasetId: string): Promise<StoredCheck> {
    const c = await this.store.latestCheck(datasetId);
    if (c === undefined) throw new NotFoundException(`no drift check stored for dataset ${datasetId}`);
    return c;
  }

  async getCheck(checkId: string): Promise<StoredCheck> {
    const c = await this.store.getCheck(checkId);
    if (c === undefined) throw new NotFoundException(`no drift check ${checkId}`);
    return c;
  }

  private async referenceTable(datasetId: string): Promise<DriftTable> {
    if (this.referenceCache?.datasetId !== datasetId) {
      this.referenceCache = { datasetId, table: datasetToDriftTable(await this.reader.read(datasetId)) };
    }
    return this.referenceCache.table;
  }

  private async check(
    subject: Subject,
    referenceId: string,
    reference: DriftTable,
    currentRaw: DriftTable,
    tx: EntityManager | undefined,
    source: SourceEvent | undefined,
  ): Promise<Omit<StoredCheck, 'createdAt'>> {
    const kinds = kindsOf(reference);
    const current: Record<string, DriftColumn> = {};
    const columns: string[] = [];
    for (const [name, kind] of kinds) {
      const cur = currentRaw[name];
      const ref = reference[name] as DriftColumn;
      if (cur === undefined || isIdentifierLike(ref)) continue;
      const coerced = coerceColumn(cur, kind);
      if (presentCount(ref) === 0 || presentCount(coerced) === 0) continue;
      current[name] = coerced;
      columns.push(name);
    }
    if (columns.length === 0) {
      throw new BadRequestException('the data shares no comparable column with the reference');
    }
    const report = driftReport(reference, current, { ...this.settings.options, columns });
    const checkId = source ? derivedEventId(source.eventId, 'drift-check') : randomUUID();
    const check: Omit<StoredCheck, 'createdAt'> = {
      checkId,
      datasetId: 'datasetId' in subject ? subject.datasetId : null,
      window: 'window' in subject ? subject.window : null,
      referenceId,
      driftedShare: report.driftedShare,
      driftShareThreshold: report.driftShareThreshold,
      datasetDrift: report.datasetDrift,
      columns: report.columns,
    };
    await this.store.saveCheck(tx, check, source?.eventId ?? null);

    const now = new Date().toISOString();
    const base = {
      checkId,
      ...('datasetId' in subject
        ? { datasetId: subject.datasetId }
        : {
            window: {
              modelName: subject.window.modelName,
              range: { start: subject.window.start.toISOString(), end: subject.window.end.toISOString() },
            },
          }),
      referenceId,
      driftedShare: report.driftedShare,
      driftShareThreshold: report.driftShareThreshold,
      datasetDrift: report.datasetDrift,
      columns: report.columns.map((c): ColumnDrift => ({
        column: c.column,
        test: c.test,
        // JSON has no Infinity (chi-square with a category absent from the reference).
        statistic: Number.isFinite(c.statistic) ? c.statistic : Number.MAX_VALUE,
        ...(c.pValue !== undefined ? { pValue: c.pValue } : {}),
        threshold: c.threshold,
        drifted: c.drifted,
      })),
    };
    const checked: DataDriftCheckedPayload = { ...base, checkedAt: now };
    const items = [
      eventItem(topics.dataDriftChecked, checked, {
        ...(source
          ? {
              correlationId: source.correlationId,
              eventId: derivedEventId(source.eventId, topics.dataDriftChecked.name),
            }
          : {}),
      }),
    ];
    const drifted = report.columns.filter((c) => c.drifted).map((c) => c.column);
    if (drifted.length > 0) {
      const detected: DataDriftDetectedPayload = { ...base, driftedColumns: drifted, detectedAt: now };
      items.push(
        eventItem(topics.dataDriftDetected, detected, {
          ...(source
            ? {
                correlationId: source.correlationId,
                eventId: derivedEventId(source.eventId, topics.dataDriftDetected.name),
              }
            : {}),
        }),
      );
    }
    await this.events.publishMany(items);

    for (const c of report.columns) {
      this.score.set(
        { column: c.column },
        c.pValue ?? (Number.isFinite(c.statistic) ? c.statistic : Number.MAX_VALUE),
      );
      this.detected.set({ column: c.column }, c.drifted ? 1 : 0);
    }
    this.share.set(report.driftedShare);
    return check;
  }
}
