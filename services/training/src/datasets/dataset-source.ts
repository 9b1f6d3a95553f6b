import { HttpDatasetReader, type DatasetReader } from '@mlops/service-kit';
import { csvSchema, readTrainingCsv, type TrainingConfig } from '@mlops/training';
import type { Dataset } from '@mlops/ml';

/**
 * The rows of a dataset version to train on. The training service does not read the ingestion
 * service's tables: it asks over HTTP (service-kit's `HttpDatasetReader` with the training
 * schema), or reads a file ({@link FileDatasetSource}, env `TRAINING_DATA_PATH`: tests and a stack
 * without ingestion).
 */
export type DatasetSource = DatasetReader;

export const DATASET_SOURCE = Symbol('DatasetSource');

/** {@link DatasetSource} reading one CSV file for every dataset id (env `TRAINING_DATA_PATH`). */
export class FileDatasetSource implements DatasetSource {
  constructor(
    readonly location: string,
    private readonly config: TrainingConfig,
  ) {}

  read(): Promise<Dataset> {
    return readTrainingCsv(this.location, this.config);
  }
}

/**
 * The ingestion service's rows endpoint read with the training schema (id, target, numeric and
 * categorical columns typed as the config says, not inferred). Training reads can be large: the
 * timeout is 5 minutes.
 */
export function ingestionDatasetSource(baseUrl: string, config: TrainingConfig): DatasetSource {
  return new HttpDatasetReader(baseUrl, { timeoutMs: 300_000, csv: { schema: csvSchema(config) } });
}
