import type { ServiceDatabaseOptions } from '@mlops/service-kit';
import { DatasetEntity, DatasetRowEntity, QuarantineEntity } from './datasets/dataset.entity.js';
import { CreateDatasets1767400000000 } from './migrations/1767400000000-create-datasets.js';

/** The tables of the ingestion service in its schema `ingestion`; service-kit runs the migrations at boot. */
export const ingestionDatabase: ServiceDatabaseOptions = {
  entities: [DatasetEntity, DatasetRowEntity, QuarantineEntity],
  migrations: [CreateDatasets1767400000000],
};
