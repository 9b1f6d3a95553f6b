/** What went wrong inside libs/messaging (one error class for the module, told apart by code). */
export enum MessagingErrorCode {
  InvalidPayload = 'INVALID_PAYLOAD',
  InvalidOption = 'INVALID_OPTION',
  UnknownTopic = 'UNKNOWN_TOPIC',
  NotStarted = 'NOT_STARTED',
  Closed = 'CLOSED',
}

export class MessagingError extends Error {
  constructor(
    readonly code: MessagingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MessagingError';
  }
}

/**
 * Throw from a handler when retrying cannot help (bad data, a business rule refusing the event):
 * the consumer dead-letters the message at once instead of retrying it.
 */
export class NonRetriableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetriableError';
  }
}

/** Default classification: everything is retriable except NonRetriableError and validation errors. */
export function isRetriableByDefault(error: unknown): boolean {
  if (error instanceof NonRetriableError) return false;
  if (error instanceof Error) {
    if (error.name === 'ContractValidationError' || error.name === 'ZodError') return false;
    if (error instanceof MessagingError && error.code === MessagingErrorCode.InvalidPayload) return false;
  }
  return true;
}

/** A one-line description of any thrown value, for logs and the `x-dlq-reason` header. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
