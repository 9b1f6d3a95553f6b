import type { IdempotencyStore, RunOnceResult } from './idempotency-store.js';

/**
 * Process-local idempotency store for laptop mode and unit tests. The effect gets `undefined` as
 * its transaction: the "transaction" is the effect itself; the event is marked processed only after
 * the effect resolved, and concurrent calls for the same key wait for the first one.
 * Memory grows with the number of distinct events; `maxEntries` evicts the oldest keys.
 */
export class InMemoryIdempotencyStore implements IdempotencyStore<undefined> {
  private readonly done = new Set<string>();
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly maxEntries = 1_000_000) {}

  async runOnce<R>(
    consumerGroup: string,
    eventId: string,
    effect: (tx: undefined) => Promise<R>,
  ): Promise<RunOnceResult<R>> {
    const key = `${consumerGroup}\u0000${eventId}`;
    for (;;) {
      if (this.done.has(key)) return { duplicate: true };
      const pending = this.inFlight.get(key);
      if (!pending) break;
      await pending.catch(() => undefined);
    }
    const run = effect(undefined);
    this.inFlight.set(key, run);
    try {
      const value = await run;
      this.markDone(key);
      return { duplicate: false, value };
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Whether (consumerGroup, eventId) was processed. */
  has(consumerGroup: string, eventId: string): boolean {
    return this.done.has(`${consumerGroup}\u0000${eventId}`);
  }

  get size(): number {
    return this.done.size;
  }

  private markDone(key: string): void {
    this.done.add(key);
    if (this.done.size > this.maxEntries) {
      const oldest = this.done.values().next().value;
      if (oldest !== undefined) this.done.delete(oldest);
    }
  }
}
