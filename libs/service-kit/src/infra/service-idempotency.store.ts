import { InMemoryIdempotencyStore, type IdempotencyStore, type RunOnceResult } from '@mlops/messaging';

/**
 * The idempotency store of a service: durable (PostgreSQL, in the service's schema) for its domain
 * topics, in memory for the diagnostic topics in `localTopics` (the system ping).
 *
 * A ping's effect is only a pong, so a replayed ping costs one extra pong, and keeping pings out of
 * PostgreSQL means a service whose database is down still answers, reporting `healthy: false`
 * instead of going silent. For those topics the effect gets `localTx` (with TypeORM, the
 * DataSource's non-transactional EntityManager), which the ping handler does not use.
 */
export class ServiceIdempotencyStore<Tx> implements IdempotencyStore<Tx> {
  private readonly local = new InMemoryIdempotencyStore(100_000);

  constructor(
    private readonly durable: IdempotencyStore<Tx>,
    private readonly localTopics: ReadonlySet<string>,
    private readonly localTx: Tx,
  ) {}

  runOnce<R>(
    consumerGroup: string,
    eventId: string,
    effect: (tx: Tx) => Promise<R>,
    meta?: { topic?: string },
  ): Promise<RunOnceResult<R>> {
    if (meta?.topic !== undefined && this.localTopics.has(meta.topic)) {
      return this.local.runOnce(consumerGroup, eventId, () => effect(this.localTx));
    }
    return this.durable.runOnce(consumerGroup, eventId, effect, meta);
  }
}
