/** What went wrong, for callers that branch on it (the CLI maps codes to exit codes and hints). */
export enum TrainingErrorCode {
  InvalidArgument = 'INVALID_ARGUMENT',
  DataError = 'DATA_ERROR',
  RegistryError = 'REGISTRY_ERROR',
  NotFound = 'NOT_FOUND',
}

/** The one exception class of libs/training: the message names the bad argument and what to do. */
export class TrainingError extends Error {
  constructor(
    message: string,
    readonly code: TrainingErrorCode = TrainingErrorCode.InvalidArgument,
  ) {
    super(message);
    this.name = 'TrainingError';
  }
}
