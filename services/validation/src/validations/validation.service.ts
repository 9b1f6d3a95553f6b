import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  topics,
  type DataValidationCompletedPayload,
  type EventOf,
  type FailingExpectation,
} from '@mlops/contracts';
import {
  profileTable,
  summarizeFailures,
  toHtmlReport,
  validateTable,
  type ExpectationSuite,
  type TableProfile,
  type ValidationResult,
} from '@mlops/data-quality';
import { EventPublisher } from '@mlops/messaging';
import { DATASET_READER, type DatasetReader } from '@mlops/service-kit';
import { datasetToDqTable } from '../datasets/dataset-table.js';
import { derivedEventId } from './derived-event-id.js';
import { ValidationResults, type StoredValidation } from './validation.repository.js';

/** What the service runs, loaded once at boot (config `validation`). */
export interface ValidationSettings {
  /** The parsed suite of `validation.suite_path`. */
  readonly suite: ExpectationSuite;
  /** `validation.partial_unexpected_count`. */
  readonly partialUnexpectedCount: number;
  /** `validation.fail_pipeline_on_failure`: a failed dataset is not trainable. */
  readonly failPipelineOnFailure: boolean;
}
export const VALIDATION_SETTINGS = Symbol('ValidationSettings');

/** Answer of `GET /validations/:datasetId/status` (the training gate). */
export interface ValidationStatus {
  datasetId: string;
  /** `pending`: no suite run stored yet; `passed` / `failed`: the latest run. */
  state: 'pending' | 'passed' | 'failed';
  /** True only when the latest run passed (or failed while `fail_pipeline_on_failure` is false). */
  trainable: boolean;
  suiteName?: string;
  validatedAt?: string;
  failingExpectations?: number;
}

/**
 * Runs the configured suite on ingested datasets, stores each result with the consumed event's
 * dedupe record, and announces it on `mlops.data.validation-completed.v1`.
 */
@Injectable()
export class ValidationService {
  constructor(
    @Inject(DATASET_READER) private readonly reader: DatasetReader,
    @Inject(ValidationResults) private readonly results: ValidationResults,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(VALIDATION_SETTINGS) private readonly settings: ValidationSettings,
  ) {}

  /**
   * Validates the dataset of a data-ingested event: reads its rows from ingestion, runs the suite,
   * stores the result through `tx` and publishes validation-completed (eventId derived from the
   * consumed one, so a redelivery republishes the same event).
   */
  async validateIngested(
    event: EventOf<typeof topics.dataIngested>,
    tx: EntityManager | undefined,
  ): Promise<DataValidationCompletedPayload> {
    const { datasetId } = event.payload;
    const dataset = await this.reader.read(datasetId);
    const table = datasetToDqTable(dataset);
    const result = validateTable(table, this.settings.suite, {
      partialUnexpectedCount: this.settings.partialUnexpectedCount,
    });
    const profile = jsonSafe(profileTable(table)) as unknown as Record<string, unknown>;
    await this.results.insert(tx, {
      datasetId,
      suiteName: result.suite_name,
      success: result.success,
      statistics: { ...result.statistics },
      results: jsonSafe(result) as unknown as Record<string, unknown>,
      profile,
      eventId: event.eventId,
    });
    const payload = completedPayload(datasetId, result);
    await this.events.publish(topics.dataValidationCompleted, payload, {
      correlationId: event.correlationId,
      eventId: derivedEventId(event.eventId, topics.dataValidationCompleted.name),
    });
    return payload;
  }

  /** The latest stored run on a dataset. @throws NotFoundException when none is stored. */
  async latest(datasetId: string): Promise<StoredValidation> {
    const stored = await this.results.latest(datasetId);
    if (stored === undefined) {
      throw new NotFoundException(
        `no validation stored for dataset ${datasetId}: it is not ingested yet or still being validated`,
      );
    }
    return stored;
  }

  /** The self-contained HTML report (libs/data-quality) of the latest run. */
  async reportHtml(datasetId: string): Promise<string> {
    const stored = await this.latest(datasetId);
    return toHtmlReport({
      title: `Validation of dataset ${datasetId} (suite ${stored.suiteName})`,
      validation: stored.results as unknown as ValidationResult,
      ...(stored.profile ? { profile: stored.profile as unknown as TableProfile } : {}),
    });
  }

  /** Whether a dataset may be trained on (see {@link ValidationStatus}). */
  async status(datasetId: string): Promise<ValidationStatus> {
    const stored = await this.results.latest(datasetId);
    if (stored === undefined) return { datasetId, state: 'pending', trainable: false };
    return {
      datasetId,
      state: stored.success ? 'passed' : 'failed',
      trainable: stored.success || !this.settings.failPipelineOnFailure,
      suiteName: stored.suiteName,
      validatedAt: stored.createdAt.toISOString(),
      failingExpectations: Number(stored.statistics['unsuccessful'] ?? 0),
    };
  }
}

/** The validation-completed payload of a result (failing expectations in the contract's shape). */
export function completedPayload(
  datasetId: string,
  result: ValidationResult,
): DataValidationCompletedPayload {
  const failing = summarizeFailures(result)
    .slice(0, 1000)
    .map((f): FailingExpectation => ({
      expectationType: f.expectationType,
      ...(f.column !== undefined ? { column: f.column } : {}),
      ...(f.columns !== undefined && f.columns.length > 0 ? { columns: f.columns.slice(0, 100) } : {}),
      unexpectedCount: f.unexpectedCount,
      unexpectedPercent: Math.min(
        100,
        Math.max(0, Number.isFinite(f.unexpectedPercent) ? f.unexpectedPercent : 0),
      ),
      ...(f.observedValue !== undefined ? { observedValue: boundedObservedValue(f.observedValue) } : {}),
    }));
  const { evaluated, successful, unsuccessful } = result.statistics;
  return {
    datasetId,
    suiteName: result.suite_name,
    passed: result.success,
    statistics: { evaluated, successful, unsuccessful },
    failingExpectations: failing,
    validatedAt: result.evaluated_at,
  };
}

/** Fits an observed value into the contract's bounds (lists of 1000, strings of 256/1024, finite numbers). */
function boundedObservedValue(
  v: NonNullable<FailingExpectation['observedValue']> | null,
): FailingExpectation['observedValue'] {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return v.slice(0, 1024);
  if (Array.isArray(v)) {
    return v
      .slice(0, 1000)
      .map((x) => (typeof x === 'string' ? x.slice(0, 256) : Number.isFinite(x) ? x : String(x)));
  }
  return v;
}

/** JSON round trip with NaN / Infinity as null (PostgreSQL jsonb has no such numbers). */
function jsonSafe(value: object): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
  ) as Record<string, unknown>;
}
