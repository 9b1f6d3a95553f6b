import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { topicByName, type PayloadOf, type TopicContract } from '@mlops/contracts';
import { EventPublisher, eventItem } from '@mlops/messaging';
import { OutboxFlusher } from '@mlops/registry';

interface PendingRow {
  id: string;
  topic: string;
  payload: unknown;
  correlation_id: string | null;
}

/** Rows published per round; the sweep repeats until none is left. */
const BATCH = 100;
/** Period of the background sweep that retries what failed to publish (Kafka down, crash after commit). */
const SWEEP_MS = 2000;

/**
 * The transactional outbox's relay: events are written to `outbox` in the transaction of the change
 * they announce, then published here after commit, with `eventId` = the outbox row id (a re-publish
 * after a crash carries the same eventId, which consumers deduplicate). Rows are claimed with
 * `FOR UPDATE SKIP LOCKED`, so several registry instances never publish a row twice at once; a row
 * is marked published only after Kafka acknowledged it. A background sweep retries failures.
 */
@Injectable()
export class OutboxRelay extends OutboxFlusher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OutboxRelay');
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventPublisher,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), SWEEP_MS);
    this.timer.unref();
  }

  onModuleDestroy(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    return this.running ?? Promise.resolve();
  }

  /** Publishes every pending row (single flight: a call during a flush makes it run once more). */
  flush(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while ((await this.publishRound()) === BATCH);
        } while (this.again);
      } catch (error) {
        this.logger.warn(`outbox publish failed, retried in ${SWEEP_MS} ms: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async publishRound(): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const rows = (await m.query(
        `SELECT id, topic, payload, correlation_id FROM outbox WHERE published_at IS NULL
          ORDER BY created_at, id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      )) as PendingRow[];
      if (rows.length === 0) return 0;
      const items = rows.map((row) => {
        const topic = topicByName(row.topic);
        if (topic === undefined) throw new Error(`outbox row ${row.id}: unknown topic ${row.topic}`);
        return eventItem(topic as TopicContract, row.payload as PayloadOf<TopicContract>, {
          eventId: row.id,
          ...(row.correlation_id !== null ? { correlationId: row.correlation_id } : {}),
        });
      });
      try {
        await this.events.publishMany(items);
      } catch (error) {
        await m.query(`UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::uuid[])`, [
          rows.map((r) => r.id),
          error instanceof Error ? error.message.slice(0, 1000) : String(error),
        ]);
        this.logger.warn(`could not publish ${rows.length} outbox event(s): ${error instanceof Error ? error.message : String(error)}`);
        return 0;
      }
      await m.query(`UPDATE outbox SET published_at = clock_timestamp(), attempts = attempts + 1 WHERE id = ANY($1::uuid[])`, [
        rows.map((r) => r.id),
      ]);
      for (const row of rows) this.logger.log(`published ${row.topic} eventId=${row.id}`);
      return rows.length;
    });
  }
}
