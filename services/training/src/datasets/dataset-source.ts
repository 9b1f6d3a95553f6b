import { NonRetriableError } from '@mlops/messaging';
import { readCsvStream, type Dataset } from '@mlops/ml';
import { csvSchema, readTrainingCsv, type TrainingConfig } from '@mlops/training';

/**
 * The rows of a dataset version to train on. The training service does not read the ingestion
 * service's tables: it asks over HTTP ({@link HttpDatasetSource}), or reads a file
 * ({@link FileDatasetSource}, env `TRAINING_DATA_PATH`: tests and a stack without ingestion).
 */
export interface DatasetSource {
  /** Where rows come from, for logs and run tags. */
  readonly location: string;
  /** All accepted rows of the dataset, typed with the config's `data` schema. */
  read(datasetId: string): Promise<Dataset>;
}

export const DATASET_SOURCE = Symbol('DatasetSource');

/** The dataset is unknown (404): retrying will not help. */
export class DatasetNotFoundError extends NonRetriableError {
  constructor(datasetId: string, url: string) {
    super(`dataset ${datasetId} not found at ${url} (404): was it ingested?`);
    this.name = 'DatasetNotFoundError';
  }
}

/**
 * {@link DatasetSource} over the ingestion service's REST API: `GET {baseUrl}/datasets/:id/rows?format=csv`
 * (streamed CSV, header row; the endpoint validation and drift read as well, which ingestion does
 * not serve yet), parsed as it arrives with the config's schema. 404 and other 4xx are not
 * retriable; 5xx and network errors are.
 */
export class HttpDatasetSource implements DatasetSource {
  readonly location: string;

  constructor(
    baseUrl: string,
    private readonly config: TrainingConfig,
    private readonly timeoutMs = 300_000,
  ) {
    this.location = baseUrl.replace(/\/+$/, '');
  }

  async read(datasetId: string): Promise<Dataset> {
    const url = `${this.location}/datasets/${encodeURIComponent(datasetId)}/rows?format=csv`;
    const response = await fetch(url, {
      headers: { accept: 'text/csv' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (response.status === 404) throw new DatasetNotFoundError(datasetId, url);
    if (!response.ok || response.body === null) {
      const text = await response.text().catch(() => '');
      const message = `GET ${url} answered ${response.status}: ${text.slice(0, 200)}`;
      if (response.status >= 400 && response.status < 500) throw new NonRetriableError(message);
      throw new Error(message);
    }
    const { dataset } = await readCsvStream(response.body as AsyncIterable<Uint8Array>, {
      schema: csvSchema(this.config),
    });
    return dataset;
  }
}

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
 * Base URL of the ingestion service: `INGESTION_URL` when set, else
 * `http://127.0.0.1:<services.ingestion.http_port>`.
 */
export function ingestionBaseUrl(env: NodeJS.ProcessEnv, ingestionPort: number): string {
  const fromEnv = env['INGESTION_URL']?.trim();
  return fromEnv ? fromEnv : `http://127.0.0.1:${ingestionPort}`;
}
