import { NonRetriableError } from '@mlops/messaging';

/** The validation service's verdict on a dataset (`GET /validations/:id/status`). */
export type ValidationState = 'pending' | 'passed' | 'failed';

/**
 * Asks whether a dataset passed validation. The drift service compares only datasets that passed
 * (config `validation.fail_pipeline_on_failure`), and picks the first one that passed as the
 * default reference.
 */
export interface ValidationGate {
  /** Waits until the validation service has a verdict (passed / failed); throws when it never comes. */
  verdict(datasetId: string): Promise<'passed' | 'failed'>;
}

export const VALIDATION_GATE = Symbol('ValidationGate');

/** The validation service kept answering `pending`: retriable (the consumer backs off, then dead-letters). */
export class ValidationPendingError extends Error {
  constructor(datasetId: string, seconds: number) {
    super(
      `dataset ${datasetId} still has no validation result after ${seconds} s: is the validation service running?`,
    );
    this.name = 'ValidationPendingError';
  }
}

/**
 * {@link ValidationGate} over the validation service's REST API: polls
 * `GET {baseUrl}/validations/:id/status` every `pollMs` until the state is not `pending`, for at most
 * `maxWaitMs`. Validation and drift both consume data-ingested, so drift usually waits for as long
 * as validation takes on the same rows.
 */
export class HttpValidationGate implements ValidationGate {
  constructor(
    private readonly baseUrl: string,
    private readonly maxWaitMs = 30_000,
    private readonly pollMs = 250,
  ) {}

  async verdict(datasetId: string): Promise<'passed' | 'failed'> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/validations/${encodeURIComponent(datasetId)}/status`;
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (response.status >= 400 && response.status < 500) {
        throw new NonRetriableError(
          `GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
        );
      }
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      const body = (await response.json()) as { state?: unknown };
      if (body.state === 'passed' || body.state === 'failed') return body.state;
      if (Date.now() >= deadline) throw new ValidationPendingError(datasetId, this.maxWaitMs / 1000);
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }
}

/** `VALIDATION_URL` when set, else `http://127.0.0.1:<services.validation.http_port>`. */
export function validationBaseUrl(env: NodeJS.ProcessEnv, validationPort: number): string {
  const fromEnv = env['VALIDATION_URL']?.trim();
  return fromEnv ? fromEnv : `http://127.0.0.1:${validationPort}`;
}
