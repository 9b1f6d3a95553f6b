import type { Kafka } from 'kafkajs';
import { dlqTopicOf } from '@mlops/contracts';
import { DLQ_HEADER_PREFIX, RedriveHeaders, decodeHeaders, type StringHeaders } from '../core/headers.js';
import type { MessagingLogger } from '../core/logger.js';
import { MessagingError, MessagingErrorCode } from '../core/errors.js';
import { KafkaEventPublisher } from '../kafka/kafka-event-publisher.js';

export interface RedriveOptions {
  /** The original topic: records are read from `<topic>.dlq` and written back to `<topic>`. */
  topic: string;
  /** Stop after this many records. Default: all up to the high watermark seen at start. */
  max?: number;
  /** Read and report, write and commit nothing. */
  dryRun?: boolean;
  /** Consumer group of the redrive. Default `mlops.redrive.<topic>`. */
  groupId?: string;
  /** Give up if not caught up within this time (ms). Default 120000. */
  timeoutMs?: number;
  /** Called for each record (the CLI prints them). */
  onRecord?: (record: {
    partition: number;
    offset: string;
    key: string | null;
    reason: string | undefined;
  }) => void;
}

export interface RedriveResult {
  topic: string;
  dlqTopic: string;
  groupId: string;
  redriven: number;
  dryRun: boolean;
  /** Per partition: [first offset read, high watermark at start). */
  partitions: { partition: number; from: string; to: string }[];
}

/** Headers of a replayed record: the original ones minus `x-dlq-*`, plus where it came from and how often. */
export function redriveHeaders(dlqHeaders: StringHeaders, dlqTopic: string): StringHeaders {
  const headers: StringHeaders = {};
  for (const [name, value] of Object.entries(dlqHeaders)) {
    if (!name.startsWith(DLQ_HEADER_PREFIX)) headers[name] = value;
  }
  const previous = Number(dlqHeaders[RedriveHeaders.redriveCount] ?? '0');
  headers[RedriveHeaders.redrivenFrom] = dlqTopic;
  headers[RedriveHeaders.redriveCount] = String((Number.isFinite(previous) ? previous : 0) + 1);
  return headers;
}

/**
 * Replays `<topic>.dlq` into `<topic>`: same key, same value, headers per {@link redriveHeaders},
 * in a dedicated consumer group that commits after every produced batch. Stops when every
 * partition has reached the high watermark it had at start (records dead-lettered meanwhile wait
 * for the next redrive), or after `max` records.
 */
export async function redrive(
  kafka: Kafka,
  options: RedriveOptions,
  logger: MessagingLogger,
): Promise<RedriveResult> {
  const dlqTopic = dlqTopicOf(options.topic);
  const groupId = options.groupId ?? `mlops.redrive.${options.topic}`;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  if (!(max > 0))
    throw new MessagingError(
      MessagingErrorCode.InvalidOption,
      `--max must be a positive integer, got ${options.max}`,
    );
  const admin = kafka.admin();
  await admin.connect();
  let watermarks: { partition: number; high: string; low: string }[];
  let committed: { partition: number; offset: string }[];
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(dlqTopic)) {
      throw new MessagingError(
        MessagingErrorCode.UnknownTopic,
        `topic ${dlqTopic} does not exist; check --topic (give the original topic, not the .dlq one)`,
      );
    }
    watermarks = await admin.fetchTopicOffsets(dlqTopic);
    const offsets = await admin.fetchOffsets({ groupId, topics: [dlqTopic] });
    committed = offsets.find((o) => o.topic === dlqTopic)?.partitions ?? [];
  } finally {
    await admin.disconnect();
  }
  const end = new Map<number, bigint>();
  const partitions: RedriveResult['partitions'] = [];
  for (const mark of watermarks) {
    const commit = committed.find((c) => c.partition === mark.partition)?.offset ?? '-1';
    const from = BigInt(commit) >= 0n ? BigInt(commit) : BigInt(mark.low);
    partitions.push({ partition: mark.partition, from: from.toString(), to: mark.high });
    if (from < BigInt(mark.high)) end.set(mark.partition, BigInt(mark.high));
  }
  const result: RedriveResult = {
    topic: options.topic,
    dlqTopic,
    groupId,
    redriven: 0,
    dryRun: options.dryRun === true,
    partitions,
  };
  if (end.size === 0) return result;

  const publisher = new KafkaEventPublisher(kafka, { producerName: 'redrive' }, logger);
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const remaining = new Set(end.keys());
  try {
    if (!result.dryRun) await publisher.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [dlqTopic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        isRunning,
        isStale,
        commitOffsetsIfNecessary,
      }) => {
        const stop = end.get(batch.partition);
        if (stop === undefined) return;
        const out: { key: Buffer | null; value: Buffer | null; headers: StringHeaders }[] = [];
        let last: string | undefined;
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          if (BigInt(message.offset) >= stop || result.redriven + out.length >= max) break;
          const headers = decodeHeaders(message.headers);
          out.push({
            key: message.key ?? null,
            value: message.value ?? null,
            headers: redriveHeaders(headers, dlqTopic),
          });
          options.onRecord?.({
            partition: batch.partition,
            offset: message.offset,
            key: message.key ? message.key.toString('utf8') : null,
            reason: headers['x-dlq-reason'],
          });
          last = message.offset;
        }
        if (last !== undefined) {
          if (!result.dryRun) {
            await publisher.sendRaw(options.topic, out);
            await commitOffsetsIfNecessary({
              topics: [
                {
                  topic: dlqTopic,
                  partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }],
                },
              ],
            });
          }
          resolveOffset(last);
          result.redriven += out.length;
          await heartbeat();
        }
        const next = last === undefined ? undefined : BigInt(last) + 1n;
        if ((next !== undefined && next >= stop) || BigInt(batch.highWatermark) <= (next ?? 0n))
          remaining.delete(batch.partition);
        if (result.redriven >= max || remaining.size === 0) finish();
      },
    });
    consumer.on(consumer.events.CRASH, (event) => fail(event.payload.error));
    const timeoutMs = options.timeoutMs ?? 120_000;
    const timer = setTimeout(
      () =>
        fail(
          new MessagingError(
            MessagingErrorCode.InvalidOption,
            `redrive of ${dlqTopic} not caught up after ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    try {
      await done;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect();
    await publisher.close();
  }
  logger.info('redrive finished', { ...result });
  return result;
}
