import { MessagingError, MessagingErrorCode } from './errors.js';

/** How a consumer retries a retriable failure in-process before dead-lettering it. */
export interface RetryPolicy {
  /** Total attempts including the first (>= 1). Default 5. */
  maxAttempts: number;
  /** Delay before the second attempt, in ms. Default 100. */
  initialDelayMs: number;
  /** Cap on any delay, in ms. Default 5000. */
  maxDelayMs: number;
  /** Growth factor between attempts. Default 2. */
  multiplier: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 5000,
  multiplier: 2,
});

export function resolveRetryPolicy(partial: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...(partial ?? {}) };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new MessagingError(
      MessagingErrorCode.InvalidOption,
      `retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`,
    );
  }
  if (!(policy.initialDelayMs >= 0) || !(policy.maxDelayMs >= policy.initialDelayMs)) {
    throw new MessagingError(
      MessagingErrorCode.InvalidOption,
      `retry delays must satisfy 0 <= initialDelayMs <= maxDelayMs, got ${policy.initialDelayMs} and ${policy.maxDelayMs}`,
    );
  }
  if (!(policy.multiplier >= 1)) {
    throw new MessagingError(
      MessagingErrorCode.InvalidOption,
      `retry.multiplier must be >= 1, got ${policy.multiplier}`,
    );
  }
  return policy;
}

/**
 * Delay before retry number `attempt` (the attempt that just failed, 1-based): exponential backoff
 * with "full jitter" (AWS architecture blog, "Exponential Backoff And Jitter"):
 * `random() * min(maxDelayMs, initialDelayMs * multiplier^(attempt-1))`, floored at half the
 * ceiling so a retry never fires immediately.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1),
  );
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Sleeps `ms`, resolving early with `false` when the signal aborts (true when the full time elapsed). */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
