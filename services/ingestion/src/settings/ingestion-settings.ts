/**
 * Limits of the ingestion service, from environment variables (the platform config has no
 * `ingestion` section yet; these are operational limits, not data semantics).
 *
 * | variable | default | what it bounds |
 * |---|---|---|
 * | `INGESTION_MAX_BODY_BYTES` | 10 GiB | a CSV upload (413 beyond) |
 * | `INGESTION_MAX_LINE_BYTES` | 1 MiB | one CSV record; a longer one is quarantined as too long |
 * | `INGESTION_INSERT_BATCH_ROWS` | 1000 | rows per multi-row INSERT |
 * | `INGESTION_MAX_BATCH_RECORDS` | 10000 | records per `POST /datasets/:name/records` (413 beyond) |
 * | `INGESTION_MAX_JSON_BYTES` | 64 MiB | a JSON request body |
 * | `INGESTION_SWEEP_INTERVAL_MS` | 30000 | how often due stream windows are closed and unpublished events re-sent |
 */
export interface IngestionSettings {
  readonly maxBodyBytes: number;
  readonly maxLineBytes: number;
  readonly insertBatchRows: number;
  readonly maxBatchRecords: number;
  readonly maxJsonBytes: number;
  readonly sweepIntervalMs: number;
}

export const INGESTION_SETTINGS = Symbol('INGESTION_SETTINGS');

export const defaultIngestionSettings: IngestionSettings = {
  maxBodyBytes: 10 * 1024 ** 3,
  maxLineBytes: 1024 ** 2,
  insertBatchRows: 1000,
  maxBatchRecords: 10_000,
  maxJsonBytes: 64 * 1024 ** 2,
  sweepIntervalMs: 30_000,
};

const VARIABLES: Record<keyof IngestionSettings, [string, number]> = {
  maxBodyBytes: ['INGESTION_MAX_BODY_BYTES', 1],
  maxLineBytes: ['INGESTION_MAX_LINE_BYTES', 16],
  insertBatchRows: ['INGESTION_INSERT_BATCH_ROWS', 1],
  maxBatchRecords: ['INGESTION_MAX_BATCH_RECORDS', 1],
  maxJsonBytes: ['INGESTION_MAX_JSON_BYTES', 1024],
  sweepIntervalMs: ['INGESTION_SWEEP_INTERVAL_MS', 100],
};

/**
 * Reads the settings from `env`.
 * @throws Error naming every variable that is not an integer at or above its minimum.
 */
export function readIngestionSettings(env: NodeJS.ProcessEnv = process.env): IngestionSettings {
  const out: Record<string, number> = { ...defaultIngestionSettings };
  const problems: string[] = [];
  for (const [key, [variable, min]] of Object.entries(VARIABLES)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) problems.push(`${variable}=${JSON.stringify(raw)}: expected an integer >= ${min}`);
    else out[key] = n;
  }
  if (problems.length > 0) throw new Error(`ingestion settings: ${problems.join('; ')}`);
  return out as unknown as IngestionSettings;
}
