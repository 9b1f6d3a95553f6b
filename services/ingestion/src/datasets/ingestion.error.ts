/** What a caller of the ingestion service did wrong, told apart by code (mapped to an HTTP status). */
export enum IngestionErrorCode {
  InvalidName = 'INVALID_NAME',
  EmptyFile = 'EMPTY_FILE',
  BadHeader = 'BAD_HEADER',
  WrongDelimiter = 'WRONG_DELIMITER',
  NoRows = 'NO_ROWS',
  InvalidRecords = 'INVALID_RECORDS',
  TooLarge = 'TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  NotFound = 'NOT_FOUND',
  NotOpen = 'NOT_OPEN',
  UnsupportedFormat = 'UNSUPPORTED_FORMAT',
  /** A stream window's features are written record by record, never as a dataset. */
  NotMaterializable = 'NOT_MATERIALIZABLE',
  /** The online feature store did not take a write asked for explicitly (the data itself is stored). */
  FeatureStoreUnavailable = 'FEATURE_STORE_UNAVAILABLE',
}

export const HTTP_STATUS_OF: Record<IngestionErrorCode, number> = {
  [IngestionErrorCode.InvalidName]: 400,
  [IngestionErrorCode.EmptyFile]: 400,
  [IngestionErrorCode.BadHeader]: 400,
  [IngestionErrorCode.WrongDelimiter]: 400,
  [IngestionErrorCode.NoRows]: 400,
  [IngestionErrorCode.InvalidRecords]: 400,
  [IngestionErrorCode.TooLarge]: 413,
  [IngestionErrorCode.UnsupportedMediaType]: 415,
  [IngestionErrorCode.NotFound]: 404,
  [IngestionErrorCode.NotOpen]: 409,
  [IngestionErrorCode.UnsupportedFormat]: 400,
  [IngestionErrorCode.NotMaterializable]: 409,
  [IngestionErrorCode.FeatureStoreUnavailable]: 503,
};

/** One bad record of a REST batch. */
export interface RecordError {
  readonly index: number;
  readonly field: string | null;
  readonly reason: string;
}

/** The one exception class of the ingestion module; `message` says what to fix. */
export class IngestionError extends Error {
  override readonly name = 'IngestionError';
  constructor(
    readonly code: IngestionErrorCode,
    message: string,
    readonly details?: { readonly errors?: readonly RecordError[]; readonly line?: number },
  ) {
    super(message);
  }

  get status(): number {
    return HTTP_STATUS_OF[this.code];
  }
}
