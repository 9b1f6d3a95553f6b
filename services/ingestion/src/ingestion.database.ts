import type { ServiceDatabaseOptions } from '@mlops/service-kit';
import { DatasetEntity, DatasetRowEntity, FeatureBacklogEntity, QuarantineEntity } from './datasets/dataset.entity.js';
import { CreateDatasets1767400000000 } from './migrations/1767400000000-create-datasets.js';
import { FeatureMaterialization1767700000000 } from './migrations/1767700000000-feature-materialization.js';

/** The tables of the ingestion service in its schema `ingestion`; service-kit runs the migrations at boot. */
export const ingestionDatabase: ServiceDatabaseOptions = {
  entities: [DatasetEntity, DatasetRowEntity, QuarantineEntity, FeatureBacklogEntity],
  migrations: [CreateDatasets1767400000000, FeatureMaterialization1767700000000],
};
