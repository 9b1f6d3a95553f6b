import type { DataSource, EntityManager } from 'typeorm';
import type { IdempotencyStore, RunOnceResult } from './idempotency-store.js';
import { PROCESSED_EVENTS_TABLE } from './processed-events.migration.js';

/**
 * PostgreSQL idempotency store on a TypeORM DataSource (table created by
 * {@link CreateMessagingProcessedEvents1767225600000}).
 *
 * In one transaction: `INSERT ... ON CONFLICT DO NOTHING RETURNING` the (consumer_group, event_id)
 * row first, then the effect with the transaction's EntityManager, so the service's own rows commit
 * with the dedupe record or not at all. A concurrent duplicate blocks on the primary key until the
 * first transaction ends, then inserts nothing and is reported as a duplicate (or, if the first
 * rolled back, runs the effect itself).
 */
export class TypeOrmIdempotencyStore implements IdempotencyStore<EntityManager> {
  constructor(private readonly dataSource: DataSource) {}

  runOnce<R>(
    consumerGroup: string,
    eventId: string,
    effect: (tx: EntityManager) => Promise<R>,
    meta?: { topic?: string },
  ): Promise<RunOnceResult<R>> {
    return this.dataSource.transaction(async (manager): Promise<RunOnceResult<R>> => {
      const inserted: unknown = await manager.query(
        `INSERT INTO "${PROCESSED_EVENTS_TABLE}" ("consumer_group", "event_id", "topic") VALUES ($1, $2, $3)
         ON CONFLICT ("consumer_group", "event_id") DO NOTHING RETURNING "event_id"`,
        [consumerGroup, eventId, meta?.topic ?? ''],
      );
      if (!Array.isArray(inserted) || inserted.length === 0) return { duplicate: true };
      const value = await effect(manager);
      return { duplicate: false, value };
    });
  }

  /** Whether (consumerGroup, eventId) was processed. */
  async has(consumerGroup: string, eventId: string): Promise<boolean> {
    const rows: unknown = await this.dataSource.query(
      `SELECT 1 FROM "${PROCESSED_EVENTS_TABLE}" WHERE "consumer_group" = $1 AND "event_id" = $2`,
      [consumerGroup, eventId],
    );
    return Array.isArray(rows) && rows.length > 0;
  }
}
