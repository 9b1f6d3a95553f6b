/**
 * Error codes of the registry, named as MLflow names them (`databricks.ErrorCode`), so that the
 * MLflow-compatible routes can answer `{ error_code, message }` exactly as an MLflow server does.
 */
export enum RegistryErrorCode {
  InvalidParameterValue = 'INVALID_PARAMETER_VALUE',
  ResourceAlreadyExists = 'RESOURCE_ALREADY_EXISTS',
  ResourceDoesNotExist = 'RESOURCE_DOES_NOT_EXIST',
  InvalidState = 'INVALID_STATE',
  EndpointNotFound = 'ENDPOINT_NOT_FOUND',
  NotImplemented = 'NOT_IMPLEMENTED',
  InternalError = 'INTERNAL_ERROR',
}

/** HTTP status of each code (MLflow's `ERROR_CODE_TO_HTTP_STATUS`, except INVALID_STATE: 409 here, not 500). */
const HTTP_STATUS: Record<RegistryErrorCode, number> = {
  [RegistryErrorCode.InvalidParameterValue]: 400,
  [RegistryErrorCode.ResourceAlreadyExists]: 400,
  [RegistryErrorCode.ResourceDoesNotExist]: 404,
  [RegistryErrorCode.InvalidState]: 409,
  [RegistryErrorCode.EndpointNotFound]: 404,
  [RegistryErrorCode.NotImplemented]: 501,
  [RegistryErrorCode.InternalError]: 500,
};

/** The one exception class of the registry service; the HTTP filter renders it as `{ error_code, message }`. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  static invalid(message: string): RegistryError {
    return new RegistryError(RegistryErrorCode.InvalidParameterValue, message);
  }

  static notFound(message: string): RegistryError {
    return new RegistryError(RegistryErrorCode.ResourceDoesNotExist, message);
  }

  static exists(message: string): RegistryError {
    return new RegistryError(RegistryErrorCode.ResourceAlreadyExists, message);
  }
}
