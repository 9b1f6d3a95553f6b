import { topicByName, type PayloadOf, type TopicContract } from '@mlops/contracts';
import { eventItem, type EventPublisher } from '@mlops/messaging';
import type { DataSource } from 'typeorm';
import { SQLITE_NOW } from '../database/sqlite/create-registry-tables.sqlite.js';
import { SqliteAccess } from '../database/sqlite/sqlite-access.js';
import { OutboxFlusher } from '../model-registry/model-registry.service.js';

interface PendingRow {
  id: string;
  topic: string;
  payload: string;
  correlation_id: string | null;
}

/**
 * The outbox relay of the embedded registry: after each committed change, publishes the pending
 * `outbox` rows (in the order they were written) through an {@link EventPublisher}, the in-process
 * bus in laptop mode, with `eventId` = the row id, as the registry service's OutboxRelay does on
 * Kafka. The publisher validates each payload against its contract; a row that fails to publish
 * stays pending with the error and is retried at the next flush. One process owns the file (the
 * embedded registry's lock), so no row claiming (`FOR UPDATE SKIP LOCKED`) is needed.
 */
export class SqliteOutboxRelay extends OutboxFlusher {
  private readonly db: SqliteAccess;

  constructor(
    dataSource: DataSource,
    private readonly publisher: EventPublisher,
    private readonly onError: (message: string) => void = () => undefined,
  ) {
    super();
    this.db = SqliteAccess.of(dataSource);
  }

  async flush(): Promise<void> {
    const rows = await this.db.read<PendingRow>(
      `SELECT id, topic, payload, correlation_id FROM outbox WHERE published_at IS NULL ORDER BY created_at, rowid`,
    );
    for (const row of rows) {
      try {
        const topic = topicByName(row.topic);
        if (topic === undefined) throw new Error(`unknown topic ${row.topic}`);
        await this.publisher.publishMany([
          eventItem(topic as TopicContract, JSON.parse(row.payload) as PayloadOf<TopicContract>, {
            eventId: row.id,
            ...(row.correlation_id !== null ? { correlationId: row.correlation_id } : {}),
          }),
        ]);
        await this.db.write(
          `UPDATE outbox SET published_at = ${SQLITE_NOW}, attempts = attempts + 1 WHERE id = ?1`,
          [row.id],
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.db.write(`UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1`, [
          row.id,
          message.slice(0, 1000),
        ]);
        this.onError(`outbox event ${row.id} (${row.topic}) not published: ${message}`);
      }
    }
  }
}
