/** Why a prediction request failed; each code has its HTTP status and gRPC status. */
export enum ServingErrorCode {
  InvalidInput = 'INVALID_INPUT',
  UnknownCustomer = 'UNKNOWN_CUSTOMER',
  NoModel = 'NO_MODEL',
  ExplainUnavailable = 'EXPLAIN_UNAVAILABLE',
}

const HTTP: Record<ServingErrorCode, number> = {
  [ServingErrorCode.InvalidInput]: 400,
  [ServingErrorCode.UnknownCustomer]: 404,
  [ServingErrorCode.NoModel]: 503,
  [ServingErrorCode.ExplainUnavailable]: 422,
};

/** gRPC status codes (@grpc/grpc-js `status`): INVALID_ARGUMENT 3, NOT_FOUND 5, FAILED_PRECONDITION 9, UNAVAILABLE 14. */
const GRPC: Record<ServingErrorCode, number> = {
  [ServingErrorCode.InvalidInput]: 3,
  [ServingErrorCode.UnknownCustomer]: 5,
  [ServingErrorCode.NoModel]: 14,
  [ServingErrorCode.ExplainUnavailable]: 9,
};

/** The one error class of the serving module; `field` names the bad input (`rows[3].tenure`). */
export class ServingError extends Error {
  override readonly name = 'ServingError';
  constructor(
    readonly code: ServingErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return HTTP[this.code];
  }

  get grpcStatus(): number {
    return GRPC[this.code];
  }

  static invalid(field: string, message: string): ServingError {
    return new ServingError(ServingErrorCode.InvalidInput, `${field}: ${message}`, field);
  }
}
