import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  CreateMessagingProcessedEvents1767225600000,
  decodeHeaders,
  type StringHeaders,
} from '@mlops/messaging';

export const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
export const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://mlops:mlops@127.0.0.1:5432/mlops';

export const rawKafka = new Kafka({ clientId: 'messaging-it', brokers: BROKERS, logLevel: logLevel.NOTHING });

/** Topics the specs of this process created, deleted (with their groups) by {@link deleteCreatedTopics}. */
const createdTopics = new Set<string>();

/** Remembers topics a spec created by other means than {@link createTopics}. */
export function trackTopics(names: readonly string[]): void {
  for (const name of names) createdTopics.add(name);
}

/** Creates topics (and nothing else) with the given partition count. */
export async function createTopics(names: string[], numPartitions = 1): Promise<void> {
  trackTopics(names);
  const admin = rawKafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: names.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Deletes the topics this process's specs created and every consumer group named after one of
 * them (the random 10-letter part of a test topic's name, `randomSuffix`, is in the names of the
 * groups that read it: `it-<suffix>`, `reader-<topic>-...`, a redrive's group): run after the
 * buses are closed, so that a developer's local broker does not collect them run after run.
 * A group that still has a member (a killed child's session not yet expired) is left; the broker
 * forgets it a day later (`offsets.retention.minutes` in deploy/kafka/server.properties).
 */
export async function deleteCreatedTopics(): Promise<void> {
  const topics = [...createdTopics];
  createdTopics.clear();
  if (topics.length === 0) return;
  const marks = [
    ...new Set(
      topics
        .map((t) => /([a-z]{10})\.v1(?:\.dlq)?$/.exec(t)?.[1])
        .filter((m): m is string => m !== undefined),
    ),
  ];
  const admin = rawKafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((id) => marks.some((m) => id.includes(m)));
    if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
    await admin.deleteTopics({ topics, timeout: 15_000 });
  } finally {
    await admin.disconnect();
  }
}

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: StringHeaders;
}

/** Reads `count` records of a topic from the beginning with a throwaway group. */
export async function readTopic(topic: string, count: number, timeoutMs = 15_000): Promise<ReadRecord[]> {
  const consumer = rawKafka.consumer({ groupId: `reader-${topic}-${Date.now()}-${Math.random()}` });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
        records.push({
          partition,
          offset: message.offset,
          key: message.key ? message.key.toString() : null,
          value: message.value ? message.value.toString() : null,
          headers: decodeHeaders(message.headers),
        });
        if (records.length >= count) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  if (records.length < count)
    throw new Error(`readTopic(${topic}): got ${records.length} of ${count} records in ${timeoutMs} ms`);
  return records;
}

/** Committed offsets of a group on a topic, by partition ('-1' = none). */
export async function committedOffsets(groupId: string, topic: string): Promise<Record<number, string>> {
  const admin = rawKafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const out: Record<number, string> = {};
    for (const p of entry?.partitions ?? []) out[p.partition] = p.offset;
    return out;
  } finally {
    await admin.disconnect();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await delay(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export const EFFECTS_TABLE = 'messaging_test_effects';

/** A DataSource with the lib's migration applied and a test table of side effects (no unique key: a double effect shows as two rows). */
export async function openDatabase(): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: DATABASE_URL,
    migrations: [CreateMessagingProcessedEvents1767225600000],
    migrationsTableName: 'messaging_test_migrations',
    logging: false,
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.query(
    `CREATE TABLE IF NOT EXISTS ${EFFECTS_TABLE} (id bigserial PRIMARY KEY, consumer_group text NOT NULL, event_id uuid NOT NULL, widget_id text NOT NULL)`,
  );
  return dataSource;
}

export async function countEffects(dataSource: DataSource, consumerGroup: string): Promise<number> {
  const rows: { n: string }[] = await dataSource.query(
    `SELECT count(*)::text AS n FROM ${EFFECTS_TABLE} WHERE consumer_group = $1`,
    [consumerGroup],
  );
  return Number(rows[0]?.n ?? 0);
}
