import type { MigrationInterface, QueryRunner } from 'typeorm';

export const PROCESSED_EVENTS_TABLE = 'messaging_processed_events';

/**
 * Creates `messaging_processed_events`, the dedupe table of {@link TypeOrmIdempotencyStore}.
 * Add it to the service's DataSource `migrations` list.
 */
export class CreateMessagingProcessedEvents1767225600000 implements MigrationInterface {
  name = 'CreateMessagingProcessedEvents1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS "${PROCESSED_EVENTS_TABLE}" (
      "consumer_group" varchar(255) NOT NULL,
      "event_id" uuid NOT NULL,
      "topic" varchar(255) NOT NULL,
      "processed_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_messaging_processed_events" PRIMARY KEY ("consumer_group", "event_id")
    )`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "ix_messaging_processed_events_processed_at" ON "${PROCESSED_EVENTS_TABLE}" ("processed_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS "${PROCESSED_EVENTS_TABLE}"`);
  }
}
