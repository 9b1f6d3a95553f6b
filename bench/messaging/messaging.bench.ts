/**
 * Throughput of libs/messaging versus raw kafkajs on the same broker, in the same run.
 *
 *   npm run build && npx tsc -p bench/messaging/tsconfig.json && node bench/messaging/dist/messaging.bench.js
 *
 * Env: KAFKA_BROKERS (default 127.0.0.1:9092), BENCH_EVENTS (default 50000), BENCH_CHUNK (default 1000).
 *
 * produce: N events in chunks of BENCH_CHUNK, each chunk awaited before the next.
 *   ours    = KafkaEventPublisher.publishMany: zod validation + envelope + headers, idempotent producer
 *             (acks all, one request in flight).
 *   kafkajs = producer.send of the same JSON envelopes (no validation), default producer, acks all.
 * consume: the same N events from a fresh group, 3 partitions consumed concurrently, timed from the
 *   first to the last message (group join excluded for both).
 *   ours    = KafkaEventBus.subscribe: parse + envelope/payload validation, dedupe in the in-memory
 *             idempotency store, commit after the effect (eachBatch, autoCommit off).
 *   kafkajs = eachMessage + JSON.parse, autoCommit on.
 * BENCH_ROUNDS rounds (default 3, fresh topics and groups each, alternating which side goes first);
 * prints one JSON object per measurement, then the medians and the ratios ours/kafkajs (goal: >= 0.5).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { z } from 'zod';
import { defineTopic } from '@mlops/contracts';
import {
  InMemoryIdempotencyStore,
  KafkaEventBus,
  createJsonLogger,
  createKafkaClient,
  eventItem,
  silentLogger,
  KafkaEventPublisher,
} from '@mlops/messaging';

/** Warnings and errors of our side go to stderr, so a stall (rebalance, crash, retry) is visible. */
const benchLogger = createJsonLogger('bench', 'warn');

const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const N = Number(process.env['BENCH_EVENTS'] ?? 50_000);
const CHUNK = Number(process.env['BENCH_CHUNK'] ?? 1000);
const PARTITIONS = 3;

function letters(n: number): string {
  return [...randomBytes(n)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
}

const run = letters(8);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const schema = z.strictObject({
  customerId: z.string().min(1),
  tenureMonths: z.int().nonnegative(),
  monthlyCharges: z.number().nonnegative(),
  churn: z.boolean(),
});
type Payload = z.infer<typeof schema>;

function payload(i: number): Payload {
  return {
    customerId: `cust-${i % 7043}`,
    tenureMonths: i % 72,
    monthlyCharges: 18.25 + (i % 100),
    churn: i % 4 === 0,
  };
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'messaging', ...line })}\n`);
}

type Impl = 'ours' | 'kafkajs';
type Phase = 'produce' | 'consume';

/** Process CPU (user+system) since `since`, in seconds: steadier than wall time on a shared machine. */
function cpuSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

let phaseCpu: NodeJS.CpuUsage = process.cpuUsage();
/** CPU seconds between the first and the last message of the latest consume phase. */
let consumeCpu = 0;

function result(
  impl: Impl,
  phase: Phase,
  round: number,
  events: number,
  secs: number,
  cpuUsed?: number,
): number {
  const eps = events / secs;
  const cpu = cpuUsed ?? cpuSince(phaseCpu);
  emit({
    impl,
    phase,
    events,
    seconds: Number(secs.toFixed(3)),
    events_per_second: Math.round(eps),
    round,
    cpu_seconds: Number(cpu.toFixed(3)),
    cpu_us_per_event: Number(((cpu * 1e6) / events).toFixed(1)),
  });
  return eps;
}

const BENCH_TOPIC_PREFIX = `mlops.bench`;

const created: string[] = [];

async function runRound(
  kafka: Kafka,
  admin: Admin,
  round: number,
): Promise<Record<`${Impl}.${Phase}`, number>> {
  const tag = `${run}-${String.fromCharCode(97 + round)}`;
  const oursTopic = defineTopic({
    name: `${BENCH_TOPIC_PREFIX}.ours-${tag}.v1`,
    description: 'bench',
    schema,
    key: (p) => p.customerId,
  });
  const rawTopicName = `${BENCH_TOPIC_PREFIX}.raw-${tag}.v1`;
  const topics = [oursTopic.name, `${oursTopic.name}.dlq`, rawTopicName];
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
  });

  const produceRaw = async (): Promise<number> => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    phaseCpu = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let start = 0; start < N; start += CHUNK) {
      const messages = [];
      for (let i = start; i < Math.min(N, start + CHUNK); i++) {
        const p = payload(i);
        const eventId = randomUUID();
        const event = {
          eventId,
          occurredAt: new Date().toISOString(),
          producer: 'bench',
          schemaVersion: 1,
          correlationId: eventId,
          payload: p,
        };
        messages.push({
          key: p.customerId,
          value: JSON.stringify(event),
          headers: { 'x-event-id': eventId },
        });
      }
      await producer.send({ topic: rawTopicName, messages, acks: -1 });
    }
    const eps = result('kafkajs', 'produce', round, N, seconds(t0));
    await producer.disconnect();
    return eps;
  };

  const produceOurs = async (): Promise<number> => {
    const ourKafka = createKafkaClient({ clientId: `bench-ours-${tag}`, brokers: BROKERS }, silentLogger);
    const publisher = new KafkaEventPublisher(ourKafka, { producerName: 'bench' }, silentLogger);
    await publisher.connect();
    phaseCpu = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let start = 0; start < N; start += CHUNK) {
      const items = [];
      for (let i = start; i < Math.min(N, start + CHUNK); i++) items.push(eventItem(oursTopic, payload(i)));
      await publisher.publishMany(items);
    }
    const eps = result('ours', 'produce', round, N, seconds(t0));
    await publisher.close();
    return eps;
  };

  const consumeRaw = async (): Promise<number> => {
    const secs = await timeConsume(N, async (onMessage) => {
      const consumer = kafka.consumer({ groupId: `bench-raw-${tag}` });
      await consumer.connect();
      await consumer.subscribe({ topics: [rawTopicName], fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: PARTITIONS,
        eachMessage: async ({ message }) => {
          const event = JSON.parse(message.value!.toString()) as { payload: unknown };
          if (event.payload !== undefined) onMessage();
        },
      });
      return () => consumer.disconnect();
    });
    return result('kafkajs', 'consume', round, N, secs, consumeCpu);
  };

  const consumeOurs = async (): Promise<number> => {
    const secs = await timeConsume(N, async (onMessage) => {
      const bus = new KafkaEventBus({
        clientId: `bench-ours-c-${tag}`,
        brokers: BROKERS,
        groupId: `bench-ours-${tag}`,
        idempotencyStore: new InMemoryIdempotencyStore(),
        logger: benchLogger,
        createTopics: false,
        partitionsConsumedConcurrently: PARTITIONS,
      });
      bus.subscribe(oursTopic, (event) => {
        if (event.payload.customerId) onMessage();
      });
      await bus.start();
      return () => bus.close();
    });
    return result('ours', 'consume', round, N, secs, consumeCpu);
  };

  // Alternate which side goes first, so warm-up and background load do not favour one side.
  const oursFirst = round % 2 === 1;
  const out = {} as Record<`${Impl}.${Phase}`, number>;
  if (oursFirst) {
    out['ours.produce'] = await produceOurs();
    out['kafkajs.produce'] = await produceRaw();
    out['ours.consume'] = await consumeOurs();
    out['kafkajs.consume'] = await consumeRaw();
  } else {
    out['kafkajs.produce'] = await produceRaw();
    out['ours.produce'] = await produceOurs();
    out['kafkajs.consume'] = await consumeRaw();
    out['ours.consume'] = await consumeOurs();
  }
  created.push(...topics);
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: `bench-raw-${run}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const rounds: Record<`${Impl}.${Phase}`, number>[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) rounds.push(await runRound(kafka, admin, round));
  } finally {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  }
  const med = (key: `${Impl}.${Phase}`): number => median(rounds.map((r) => r[key]));
  const produceRatio = med('ours.produce') / med('kafkajs.produce');
  const consumeRatio = med('ours.consume') / med('kafkajs.consume');
  emit({
    summary: 'median over rounds',
    events_per_second: {
      ours_produce: Math.round(med('ours.produce')),
      kafkajs_produce: Math.round(med('kafkajs.produce')),
      ours_consume: Math.round(med('ours.consume')),
      kafkajs_consume: Math.round(med('kafkajs.consume')),
    },
    ratio: { produce: Number(produceRatio.toFixed(3)), consume: Number(consumeRatio.toFixed(3)) },
    goal: 0.5,
    met: produceRatio >= 0.5 && consumeRatio >= 0.5,
    events: N,
    rounds: ROUNDS,
    chunk: CHUNK,
    partitions: PARTITIONS,
  });
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Starts a consumer and returns the seconds from its first to its N-th message. */
async function timeConsume(
  n: number,
  start: (onMessage: () => void) => Promise<() => Promise<void>>,
): Promise<number> {
  let count = 0;
  let first = 0n;
  let last = 0n;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const stop = await start(() => {
    if (count === 0) {
      first = process.hrtime.bigint();
      phaseCpu = process.cpuUsage();
    }
    count++;
    if (count === n) {
      last = process.hrtime.bigint();
      consumeCpu = cpuSince(phaseCpu);
      done();
    }
  });
  const timer = setTimeout(() => {
    process.stderr.write(`consumer got ${count} of ${n} events in 300 s\n`);
    process.exit(1);
  }, 300_000);
  await finished;
  clearTimeout(timer);
  await stop();
  return Number(last - first) / 1e9;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${String(error)}\n`);
  process.exit(1);
});
