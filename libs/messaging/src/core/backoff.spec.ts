import { DEFAULT_RETRY_POLICY, backoffDelay, resolveRetryPolicy, sleep } from './backoff.js';

describe('backoffDelay', () => {
  const policy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };

  it('grows exponentially between half and the full ceiling, capped at maxDelayMs', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
    expect(backoffDelay(10, policy, () => 0)).toBe(500);
  });

  it('jitters: different random draws give different delays', () => {
    const delays = new Set([0.1, 0.5, 0.9].map((r) => backoffDelay(2, policy, () => r)));
    expect(delays.size).toBe(3);
  });
});

describe('resolveRetryPolicy', () => {
  it('fills defaults', () => {
    expect(resolveRetryPolicy(undefined)).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({ maxAttempts: 2 }).maxAttempts).toBe(2);
  });

  it('names the bad option', () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(
      'retry.maxAttempts must be an integer >= 1, got 0',
    );
    expect(() => resolveRetryPolicy({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(
      '0 <= initialDelayMs <= maxDelayMs',
    );
    expect(() => resolveRetryPolicy({ multiplier: 0.5 })).toThrow('retry.multiplier must be >= 1');
  });
});

describe('sleep', () => {
  it('resolves false at once when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleep(10_000, controller.signal);
    controller.abort();
    await expect(pending).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('resolves true after the delay', async () => {
    await expect(sleep(5)).resolves.toBe(true);
  });
});
