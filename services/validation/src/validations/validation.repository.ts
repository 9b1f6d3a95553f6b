import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ValidationResultEntity } from './validation-result.entity.js';

/** A stored suite run. */
export interface StoredValidation {
  datasetId: string;
  suiteName: string;
  success: boolean;
  statistics: Record<string, unknown>;
  results: Record<string, unknown>;
  profile: Record<string, unknown> | null;
  eventId: string | null;
  createdAt: Date;
}

/** Storage of suite runs. */
export abstract class ValidationResults {
  /** Inserts a run through `tx` (the consumer's transaction, so it commits with the dedupe record). */
  abstract insert(
    tx: EntityManager | undefined,
    row: Omit<StoredValidation, 'createdAt'>,
  ): Promise<StoredValidation>;
  /** The latest run on a dataset, or undefined. */
  abstract latest(datasetId: string): Promise<StoredValidation | undefined>;
}

/** {@link ValidationResults} in PostgreSQL (`validation.validation_results`). */
@Injectable()
export class TypeOrmValidationResults extends ValidationResults {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    super();
  }

  async insert(
    tx: EntityManager | undefined,
    row: Omit<StoredValidation, 'createdAt'>,
  ): Promise<StoredValidation> {
    const manager = tx ?? this.dataSource.manager;
    const saved = await manager
      .getRepository(ValidationResultEntity)
      .save(manager.create(ValidationResultEntity, row));
    return toStored(saved);
  }

  async latest(datasetId: string): Promise<StoredValidation | undefined> {
    const row = await this.dataSource.getRepository(ValidationResultEntity).findOne({
      where: { datasetId },
      order: { createdAt: 'DESC' },
    });
    return row === null ? undefined : toStored(row);
  }
}

function toStored(e: ValidationResultEntity): StoredValidation {
  return {
    datasetId: e.datasetId,
    suiteName: e.suiteName,
    success: e.success,
    statistics: e.statistics,
    results: e.results,
    profile: e.profile,
    eventId: e.eventId,
    createdAt: e.createdAt,
  };
}
