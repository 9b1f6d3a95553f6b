/** Result of {@link IdempotencyStore.runOnce}. */
export type RunOnceResult<R> = { duplicate: false; value: R } | { duplicate: true };

/**
 * Deduplicates side effects on (consumerGroup, eventId).
 *
 * `runOnce` records the event as processed and runs `effect` in ONE transaction: either both the
 * dedupe record and the effect's own writes commit, or neither does (the effect threw, the process
 * died). A second call for the same pair, even a concurrent one, sees the record and returns
 * `{ duplicate: true }` without running the effect. `Tx` is what the effect writes through (a
 * TypeORM EntityManager for PostgreSQL, nothing for the in-memory store).
 */
export interface IdempotencyStore<Tx = unknown> {
  runOnce<R>(
    consumerGroup: string,
    eventId: string,
    effect: (tx: Tx) => Promise<R>,
    meta?: { topic?: string },
  ): Promise<RunOnceResult<R>>;
}
