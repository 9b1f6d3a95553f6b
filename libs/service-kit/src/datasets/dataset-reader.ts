import { NonRetriableError } from '@mlops/messaging';
import { readCsvStream, type CsvOptions, type Dataset } from '@mlops/ml';

/**
 * Reads the rows of a stored dataset version. No service reads the ingestion service's tables (each
 * service owns its schema): validation and drift ask the ingestion service over HTTP.
 */
export interface DatasetReader {
  /** Where rows come from (a base URL or a file path), for logs and run tags. */
  readonly location: string;
  /** All accepted rows of the dataset, typed per column (numbers where every value parses). */
  read(datasetId: string): Promise<Dataset>;
}

/** Injection token of the {@link DatasetReader}. */
export const DATASET_READER = Symbol('DatasetReader');

/** The dataset is unknown to ingestion (404): retrying will not help, the event is dead-lettered. */
export class DatasetNotFoundError extends NonRetriableError {
  constructor(
    readonly datasetId: string,
    url: string,
  ) {
    super(`dataset ${datasetId} not found at ${url} (404): was it ingested?`);
    this.name = 'DatasetNotFoundError';
  }
}

/**
 * {@link DatasetReader} over the ingestion service's REST API:
 * `GET {baseUrl}/datasets/:id/rows?format=csv` streamed (`text/csv`, header row, the accepted rows in
 * line order), parsed as it arrives by libs/ml's CSV parser. 404 is not retriable; a 5xx or a
 * network error is (the consumer retries with backoff, then dead-letters). `csv` passes a schema
 * (e.g. training's, so that columns are typed as the model expects) to the parser.
 */
export class HttpDatasetReader implements DatasetReader {
  readonly location: string;

  constructor(
    baseUrl: string,
    private readonly options: { readonly timeoutMs?: number; readonly csv?: CsvOptions } = {},
  ) {
    this.location = baseUrl.replace(/\/+$/, '');
  }

  async read(datasetId: string): Promise<Dataset> {
    const url = `${this.location}/datasets/${encodeURIComponent(datasetId)}/rows?format=csv`;
    const response = await fetch(url, {
      headers: { accept: 'text/csv' },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
    });
    if (response.status === 404) throw new DatasetNotFoundError(datasetId, url);
    if (!response.ok || response.body === null) {
      const text = await response.text().catch(() => '');
      const error = new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 200)}`);
      if (response.status >= 400 && response.status < 500) throw new NonRetriableError(error.message);
      throw error;
    }
    const { dataset } = await readCsvStream(response.body as AsyncIterable<Uint8Array>, this.options.csv);
    return dataset;
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
