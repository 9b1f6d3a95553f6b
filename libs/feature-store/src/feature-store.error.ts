/** What went wrong in the feature store; every message also says what to fix. */
export enum FeatureStoreErrorCode {
  /** A feature view definition is malformed (names, types, duplicates). */
  InvalidView = 'INVALID_VIEW',
  /** A feature view or feature reference names nothing registered. */
  UnknownView = 'UNKNOWN_VIEW',
  UnknownFeature = 'UNKNOWN_FEATURE',
  /** A value does not match its feature's declared type. */
  InvalidValue = 'INVALID_VALUE',
  /** An argument (entity id, event time, TTL, options) is out of range. */
  InvalidArgument = 'INVALID_ARGUMENT',
  /** Redis answered something the store did not expect. */
  Redis = 'REDIS',
}

/** The one exception class of the feature store. */
export class FeatureStoreError extends Error {
  constructor(
    readonly code: FeatureStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FeatureStoreError';
  }
}
