import type { Admin } from 'kafkajs';
import { dlqTopicOf } from '@mlops/contracts';

/**
 * Creates the topics (and their `.dlq` topics) that do not exist yet. Idempotent; returns the
 * names it created.
 */
export async function ensureTopics(
  admin: Admin,
  names: readonly string[],
  options: { numPartitions?: number; replicationFactor?: number; withDlq?: boolean } = {},
): Promise<string[]> {
  const wanted = new Set<string>();
  for (const name of names) {
    wanted.add(name);
    if (options.withDlq !== false && !name.endsWith('.dlq')) wanted.add(dlqTopicOf(name));
  }
  const existing = new Set(await admin.listTopics());
  const missing = [...wanted].filter((name) => !existing.has(name));
  if (missing.length === 0) return [];
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({
      topic,
      numPartitions: options.numPartitions ?? 3,
      replicationFactor: options.replicationFactor ?? 1,
    })),
  });
  return missing;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** high watermark - committed offset (a partition the group never committed counts from the low watermark). */
  lag: number;
}

/** Consumer lag of a group on topics: admin fetchOffsets vs the topics' high watermarks. */
export async function fetchConsumerLag(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<PartitionLag[]> {
  if (topics.length === 0) return [];
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const result: PartitionLag[] = [];
  for (const topic of topics) {
    const watermarks = await admin.fetchTopicOffsets(topic);
    const group = committed.find((entry) => entry.topic === topic);
    for (const mark of watermarks) {
      const commit = group?.partitions.find((p) => p.partition === mark.partition)?.offset ?? '-1';
      const from = Number(commit) >= 0 ? Number(commit) : Number(mark.low);
      result.push({ topic, partition: mark.partition, lag: Math.max(0, Number(mark.high) - from) });
    }
  }
  return result.sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
}
