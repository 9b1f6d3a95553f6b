import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs, { CompressionTypes } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import {
  acceptsPredictionServed,
  defineTopic,
  dlqTopicOf,
  predictionServedEventJson,
  predictionServedSchema,
  servedPredictionJson,
  type EventOf,
  type ServedPrediction,
} from '@mlops/contracts';
import {
  KafkaEventBus,
  NonRetriableError,
  registerSnappyCodec,
  TypeOrmIdempotencyStore,
  eventItem,
  silentLogger,
  type HandlerContext,
  type StringHeaders,
  type InboundRecord,
  type ProcessOutcome,
} from '@mlops/messaging';
import { randomSuffix, widgetTopic, type WidgetTopic } from '../src/__fixtures__/widget.topic.js';
import {
  BROKERS,
  DATABASE_URL,
  committedOffsets,
  countEffects,
  createTopics,
  deleteCreatedTopics,
  openDatabase,
  rawKafka,
  readTopic,
  trackTopics,
  waitFor,
  EFFECTS_TABLE,
} from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
const TEST_TIMEOUT = 30_000;

let dataSource: DataSource;
const buses: KafkaEventBus<EntityManager>[] = [];

beforeAll(async () => {
  dataSource = await openDatabase();
}, 20_000);

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
}, 20_000);

afterAll(async () => {
  await dataSource.destroy();
  await deleteCreatedTopics();
}, 30_000);

interface Harness {
  topic: WidgetTopic;
  groupId: string;
  bus: KafkaEventBus<EntityManager>;
  outcomes: { record: InboundRecord; outcome: ProcessOutcome }[];
  clientId: string;
}

/** A fresh topic (1 partition) + its DLQ and a bus in a fresh group with the PostgreSQL store. */
async function harness(
  options: { partitions?: number; commitEveryMessages?: number; compression?: 'none' | 'snappy'; topicCompression?: string } = {},
): Promise<Harness> {
  const suffix = randomSuffix();
  const topic = widgetTopic(`widget-${suffix}`);
  if (options.topicCompression === undefined) await createTopics([topic.name, dlqTopicOf(topic.name)], options.partitions ?? 1);
  else await createCompressedTopic(topic.name, options.topicCompression);
  const groupId = `it-${suffix}`;
  const outcomes: Harness['outcomes'] = [];
  const bus = new KafkaEventBus<EntityManager>({
    clientId: `it-${suffix}`,
    brokers: BROKERS,
    groupId,
    idempotencyStore: new TypeOrmIdempotencyStore(dataSource),
    logger: silentLogger,
    createTopics: false,
    ...(options.commitEveryMessages !== undefined
      ? { commitEveryMessages: options.commitEveryMessages }
      : {}),
    onOutcome: (record, outcome) => outcomes.push({ record, outcome }),
    ...(options.compression !== undefined ? { publisher: { compression: options.compression } } : {}),
  });
  buses.push(bus);
  return { topic, groupId, bus, outcomes, clientId: `it-${suffix}` };
}

/** A topic whose broker-side `compression.type` is set: the broker recompresses what it is sent. */
async function createCompressedTopic(name: string, compression: string): Promise<void> {
  trackTopics([name, dlqTopicOf(name)]);
  const admin = rawKafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [name, dlqTopicOf(name)].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'compression.type', value: compression }] })),
    });
  } finally {
    await admin.disconnect();
  }
}

interface SnappyCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

/**
 * Wraps kafkajs's snappy codec (as the lib registered it) to count the batches that go through it
 * and keep the first 8 bytes of each one read; `restore` puts the lib's codec back.
 */
function watchSnappy(): { compressed: number; readHeads: Buffer[]; restore: () => void } {
  registerSnappyCodec();
  const codecs = kafkajs.CompressionCodecs as Record<number, () => SnappyCodec>;
  const registered = codecs[CompressionTypes.Snappy]!;
  const seen = {
    compressed: 0,
    readHeads: [] as Buffer[],
    restore: () => {
      codecs[CompressionTypes.Snappy] = registered;
    },
  };
  codecs[CompressionTypes.Snappy] = () => {
    const codec = registered();
    return {
      compress: (encoder) => {
        seen.compressed++;
        return codec.compress(encoder);
      },
      decompress: (data) => {
        seen.readHeads.push(Buffer.from(data.subarray(0, 8)));
        return codec.decompress(data);
      },
    };
  };
  return seen;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

async function recordEffect(
  tx: EntityManager,
  group: string,
  eventId: string,
  widgetId: string,
): Promise<void> {
  await tx.query(`INSERT INTO ${EFFECTS_TABLE} (consumer_group, event_id, widget_id) VALUES ($1, $2, $3)`, [
    group,
    eventId,
    widgetId,
  ]);
}

describe('libs/messaging against the real broker and PostgreSQL', () => {
  it(
    'publishes keyed events with envelope headers through the idempotent producer',
    async () => {
      const { topic, bus, clientId } = await harness({ partitions: 3 });
      const receipts = await bus.publishMany([
        eventItem(topic, { widgetId: 'alpha', size: 1 }, { correlationId: 'corr-1' }),
        eventItem(topic, { widgetId: 'beta', size: 2 }),
      ]);
      await bus.publish(topic, { widgetId: 'alpha', size: 3 });
      const records = await readTopic(topic.name, 3);
      const alpha = records.filter((r) => r.key === 'alpha');
      expect(alpha).toHaveLength(2);
      expect(new Set(alpha.map((r) => r.partition)).size).toBe(1);
      const first = records.find((r) => r.headers['x-event-id'] === receipts[0]!.eventId)!;
      expect(first.headers).toMatchObject({
        'x-correlation-id': 'corr-1',
        'x-schema-version': '1',
        'x-producer': clientId,
      });
      expect(JSON.parse(first.value!)).toMatchObject({
        eventId: receipts[0]!.eventId,
        schemaVersion: 1,
        payload: { widgetId: 'alpha', size: 1 },
      });
    },
    TEST_TIMEOUT,
  );

  it(
    'a prepared prediction-served event (sendPrepared) is consumed and parsed like a published one, headers included',
    async () => {
      const { bus, clientId } = await harness();
      // The prediction-served contract on a per-run topic (the real one is shared with other tests).
      const served = defineTopic({
        name: `mlops.test.served-${randomSuffix()}.v1`,
        description: 'test-only copy of mlops.prediction.served.v1',
        schema: predictionServedSchema,
        key: (p) => p.batchId,
        accepts: acceptsPredictionServed,
      });
      await createTopics([served.name, dlqTopicOf(served.name)], 1);
      const got: { event: EventOf<typeof served>; headers: StringHeaders }[] = [];
      bus.subscribe(served, (event, ctx: HandlerContext<EntityManager>) => void got.push({ event, headers: ctx.headers }));
      await bus.start();
      const predictions: ServedPrediction[] = [0, 1, 2].map((i) => ({
        requestId: `3f0c8d52-3c1e-4a8a-9b7e-2f1d6c1e9a1${i}`,
        ...(i === 0 ? { customerId: '7590-VHVEG' } : {}),
        modelName: 'churn-predictor',
        modelVersion: 3,
        variant: i === 2 ? 'shadow' : 'champion',
        probability: i / 4,
        label: 0,
        threshold: 0.5,
        latencyMs: 0.08,
        features: { tenure: i, contract: 'Month-to-month', total_charges: null },
        servedAt: '2026-11-26T23:12:16.123Z',
      }));
      const batchId = 'b1b2c3d4-0000-4000-8000-00000000000a';
      const published = await bus.publish(served, { batchId, predictions }, { correlationId: 'corr-served' });
      const prepared = predictionServedEventJson(predictions.map(servedPredictionJson), {
        producer: clientId,
        batchId,
        correlationId: 'corr-served',
      });
      const [receipt] = await bus.publisher.sendPrepared([{ ...prepared, topic: served.name }]);
      expect(receipt).toEqual({ topic: served.name, eventId: prepared.eventId, key: batchId });
      await waitFor('both events consumed', () => got.length === 2);
      const [a, b] = got;
      expect(a!.event.eventId).toBe(published.eventId);
      expect(b!.event.eventId).toBe(prepared.eventId);
      expect(b!.event.payload).toEqual(a!.event.payload);
      expect(b!.event.payload).toEqual({ batchId, predictions });
      for (const { event } of got) {
        expect(event).toMatchObject({ producer: clientId, correlationId: 'corr-served', schemaVersion: 1 });
      }
      const envelopeHeaders = (h: StringHeaders): StringHeaders =>
        Object.fromEntries(Object.entries(h).filter(([name]) => name !== 'x-event-id'));
      expect(b!.headers['x-event-id']).toBe(prepared.eventId);
      expect(envelopeHeaders(b!.headers)).toEqual(envelopeHeaders(a!.headers));
      expect(b!.headers).toMatchObject({ 'x-correlation-id': 'corr-served', 'x-schema-version': '1', 'x-producer': clientId });
      const records = await readTopic(served.name, 2);
      expect(records.map((r) => r.key)).toEqual([batchId, batchId]);
      expect(records[1]!.value).toBe(prepared.value);
    },
    TEST_TIMEOUT,
  );

  it(
    'a publisher with snappy compression writes snappy batches that the broker accepts and a consumer made here reads',
    async () => {
      const { topic, groupId, bus } = await harness({ compression: 'snappy' });
      const snappy = watchSnappy();
      try {
        const got: string[] = [];
        bus.subscribe(topic, async (event) => void got.push(`${event.payload.widgetId}:${event.payload.size}`));
        await bus.start();
        const sent = Array.from({ length: 60 }, (_, i) => ({ widgetId: `w-${i % 7}`, size: i }));
        await bus.publishMany(sent.map((p) => eventItem(topic, p)));
        await waitFor('60 snappy events consumed', () => got.length === 60);
        expect(got.sort()).toEqual(sent.map((p) => `${p.widgetId}:${p.size}`).sort());
        expect(snappy.compressed).toBeGreaterThan(0);
        // Read back compressed: raw snappy as written here (no snappy-java frame header).
        expect(snappy.readHeads.length).toBeGreaterThan(0);
        expect(snappy.readHeads.some((head) => head.equals(XERIAL_MAGIC))).toBe(false);
        await waitFor('the offsets committed past them', async () => (await committedOffsets(groupId, topic.name))[0] === '60');
      } finally {
        snappy.restore();
      }
    },
    TEST_TIMEOUT,
  );

  it(
    "reads batches the broker recompressed with snappy-java's framing (a topic with compression.type=snappy)",
    async () => {
      const { topic, bus } = await harness({ topicCompression: 'snappy' });
      const snappy = watchSnappy();
      try {
        const got: number[] = [];
        bus.subscribe(topic, async (event) => void got.push(event.payload.size));
        await bus.start();
        await bus.publishMany(Array.from({ length: 20 }, (_, i) => eventItem(topic, { widgetId: 'w', size: i })));
        await waitFor('20 recompressed events consumed', () => got.length === 20);
        expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(snappy.compressed).toBe(0); // sent uncompressed: the broker compressed them
        expect(snappy.readHeads.length).toBeGreaterThan(0);
        expect(snappy.readHeads.every((head) => head.equals(XERIAL_MAGIC))).toBe(true);
      } finally {
        snappy.restore();
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'dead-letters an invalid payload with the reason in the headers and commits past it',
    async () => {
      const { topic, groupId, bus, outcomes } = await harness();
      bus.subscribe(topic, async (event, ctx) =>
        recordEffect(ctx.tx, groupId, event.eventId, event.payload.widgetId),
      );
      await bus.start();
      const bad = JSON.stringify({
        eventId: '5f0c1c57-96a4-4e55-8c7a-6b0a2f4f7d10',
        occurredAt: new Date().toISOString(),
        producer: 'x',
        schemaVersion: 1,
        correlationId: 'c',
        payload: { widgetId: 'w', size: -5 },
      });
      await bus.sendRaw(topic.name, [
        { key: 'w', value: bad, headers: { 'x-event-id': '5f0c1c57-96a4-4e55-8c7a-6b0a2f4f7d10' } },
      ]);
      await bus.publish(topic, { widgetId: 'good', size: 1 });
      await waitFor('two outcomes', () => outcomes.length === 2);
      const [dead] = await readTopic(dlqTopicOf(topic.name), 1);
      expect(dead!.key).toBe('w');
      expect(dead!.value).toBe(bad);
      expect(dead!.headers['x-dlq-reason']).toMatch(/^validation: payload: size: Too small/);
      expect(dead!.headers).toMatchObject({
        'x-dlq-original-topic': topic.name,
        'x-dlq-original-partition': '0',
        'x-dlq-original-offset': '0',
        'x-dlq-attempts': '0',
        'x-event-id': '5f0c1c57-96a4-4e55-8c7a-6b0a2f4f7d10',
      });
      expect(await countEffects(dataSource, groupId)).toBe(1);
      await waitFor(
        'offset 2 committed',
        async () => (await committedOffsets(groupId, topic.name))[0] === '2',
      );
    },
    TEST_TIMEOUT,
  );

  it(
    'runs the side effect once for a duplicate eventId (rows counted in PostgreSQL)',
    async () => {
      const { topic, groupId, bus, outcomes } = await harness();
      bus.subscribe(topic, async (event, ctx) =>
        recordEffect(ctx.tx, groupId, event.eventId, event.payload.widgetId),
      );
      await bus.start();
      const eventId = '8d7e1f3a-2b4c-4d5e-8f60-718293a4b5c6';
      await bus.publish(topic, { widgetId: 'dup', size: 1 }, { eventId });
      await bus.publish(topic, { widgetId: 'dup', size: 1 }, { eventId });
      await waitFor('two outcomes', () => outcomes.length === 2);
      expect(outcomes.map((o) => o.outcome.kind)).toEqual(['processed', 'duplicate']);
      expect(await countEffects(dataSource, groupId)).toBe(1);
      const rows: unknown[] = await dataSource.query(
        'SELECT 1 FROM messaging_processed_events WHERE consumer_group = $1 AND event_id = $2',
        [groupId, eventId],
      );
      expect(rows).toHaveLength(1);
    },
    TEST_TIMEOUT,
  );

  it(
    'retries a retriable failure with backoff, then dead-letters it with the attempt count; a NonRetriableError goes at once',
    async () => {
      const { topic, groupId, bus, outcomes } = await harness();
      const attempts: Record<string, number[]> = {};
      bus.subscribe(
        topic,
        async (event, ctx) => {
          (attempts[event.payload.widgetId] ??= []).push(ctx.attempt);
          if (event.payload.widgetId === 'flaky') throw new Error('downstream timeout');
          throw new NonRetriableError('widget rejected by rule');
        },
        { retry: { maxAttempts: 4, initialDelayMs: 20, maxDelayMs: 100 } },
      );
      await bus.start();
      await bus.publish(topic, { widgetId: 'flaky', size: 1 });
      await bus.publish(topic, { widgetId: 'rejected', size: 1 });
      await waitFor('two outcomes', () => outcomes.length === 2);
      expect(attempts).toEqual({ flaky: [1, 2, 3, 4], rejected: [1] });
      const dead = await readTopic(dlqTopicOf(topic.name), 2);
      const byKey = Object.fromEntries(dead.map((d) => [d.key, d.headers]));
      expect(byKey['flaky']).toMatchObject({
        'x-dlq-attempts': '4',
        'x-dlq-reason': 'retries exhausted: Error: downstream timeout',
      });
      expect(byKey['rejected']).toMatchObject({
        'x-dlq-attempts': '1',
        'x-dlq-reason': 'non-retriable: NonRetriableError: widget rejected by rule',
      });
      expect(await countEffects(dataSource, groupId)).toBe(0);
      await waitFor(
        'offset 2 committed',
        async () => (await committedOffsets(groupId, topic.name))[0] === '2',
      );
    },
    TEST_TIMEOUT,
  );

  it('a consumer SIGKILLed after the effect but before the commit re-processes without a second effect', async () => {
    const built = join(here, '..', 'dist', 'index.js');
    if (!existsSync(built))
      throw new Error(
        `${built} is missing: run "npm run build" first (the child process runs the built lib)`,
      );
    const suffix = randomSuffix();
    const topic = widgetTopic(`widget-${suffix}`);
    const groupId = `it-crash-${suffix}`;
    await createTopics([topic.name, dlqTopicOf(topic.name)], 1);
    const child = spawn(
      process.execPath,
      [join(here, 'fixtures', 'crash-consumer.mjs'), topic.name, groupId, DATABASE_URL, BROKERS.join(',')],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    const lines = createInterface({ input: child.stdout! });
    const messages: Record<string, unknown>[] = [];
    lines.on('line', (line) => messages.push(JSON.parse(line) as Record<string, unknown>));
    try {
      await waitFor('child ready', () => messages.some((m) => m['ready'] === true), 20_000);
      const publisher = (await harness()).bus;
      const { eventId } = await publisher.publish(topic, { widgetId: 'crash', size: 1 });
      await waitFor('child processed the event', () => messages.some((m) => m['outcome'] === 'processed'));
      expect(await countEffects(dataSource, groupId)).toBe(1);
      expect((await committedOffsets(groupId, topic.name))[0]).toBe('-1');
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const outcomes: ProcessOutcome[] = [];
      const survivor = new KafkaEventBus<EntityManager>({
        clientId: `it-survivor-${suffix}`,
        brokers: BROKERS,
        groupId,
        idempotencyStore: new TypeOrmIdempotencyStore(dataSource),
        logger: silentLogger,
        createTopics: false,
        onOutcome: (_record, outcome) => outcomes.push(outcome),
      });
      buses.push(survivor);
      survivor.subscribe(topic, async (event, ctx) =>
        recordEffect(ctx.tx, groupId, event.eventId, event.payload.widgetId),
      );
      await survivor.start();
      await waitFor('redelivery', () => outcomes.length === 1, 25_000);
      expect(outcomes[0]!.kind).toBe('duplicate');
      expect(await countEffects(dataSource, groupId)).toBe(1);
      const rows: unknown[] = await dataSource.query(
        'SELECT 1 FROM messaging_processed_events WHERE consumer_group = $1 AND event_id = $2',
        [groupId, eventId],
      );
      expect(rows).toHaveLength(1);
      await waitFor(
        'offset 1 committed',
        async () => (await committedOffsets(groupId, topic.name))[0] === '1',
      );
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 45_000);

  it(
    'graceful shutdown finishes the in-flight message and commits everything processed',
    async () => {
      const { topic, groupId, bus, outcomes } = await harness({ commitEveryMessages: 1000 });
      bus.subscribe(topic, async (event, ctx) => {
        await new Promise((r) => setTimeout(r, 150));
        await recordEffect(ctx.tx, groupId, event.eventId, event.payload.widgetId);
      });
      await bus.start();
      await bus.publishMany(
        Array.from({ length: 20 }, (_, i) => eventItem(topic, { widgetId: 'same-key', size: i })),
      );
      await waitFor('first outcome', () => outcomes.length >= 1);
      await bus.close();
      const processed = outcomes.length;
      expect(processed).toBeGreaterThanOrEqual(1);
      expect(processed).toBeLessThan(20);
      expect(await countEffects(dataSource, groupId)).toBe(processed);
      expect((await committedOffsets(groupId, topic.name))[0]).toBe(String(processed));
    },
    TEST_TIMEOUT,
  );

  it('redrive (the CLI) moves dead letters back with their key and headers, and they are processed', async () => {
    const cli = join(here, '..', 'dist', 'cli', 'redrive.js');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
    const { topic, groupId, bus, outcomes } = await harness();
    let broken = true;
    bus.subscribe(topic, async (event, ctx) => {
      if (broken) throw new NonRetriableError('dependency missing');
      await recordEffect(ctx.tx, groupId, event.eventId, event.payload.widgetId);
    });
    await bus.start();
    const receipts = await bus.publishMany([
      eventItem(topic, { widgetId: 'r1', size: 1 }),
      eventItem(topic, { widgetId: 'r2', size: 2 }),
    ]);
    await waitFor(
      'both dead-lettered',
      () => outcomes.filter((o) => o.outcome.kind === 'dead-lettered').length === 2,
    );
    broken = false;

    const dry = await runNode([cli, '--topic', topic.name, '--dry-run', '--brokers', BROKERS.join(',')]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.lines.at(-1)!)).toMatchObject({ result: { redriven: 2, dryRun: true } });
    expect(await countEffects(dataSource, groupId)).toBe(0);

    const run = await runNode([cli, '--topic', topic.name, '--brokers', BROKERS.join(',')]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.lines.at(-1)!)).toMatchObject({
      result: { redriven: 2, dryRun: false, dlqTopic: dlqTopicOf(topic.name) },
    });
    await waitFor('redriven events processed', async () => (await countEffects(dataSource, groupId)) === 2);

    const records = await readTopic(topic.name, 4);
    const replayed = records.filter((r) => r.headers['x-redriven-from'] !== undefined);
    expect(replayed.map((r) => r.key).sort()).toEqual(['r1', 'r2']);
    for (const r of replayed) {
      expect(r.headers['x-redriven-from']).toBe(dlqTopicOf(topic.name));
      expect(r.headers['x-redrive-count']).toBe('1');
      expect(Object.keys(r.headers).filter((h) => h.startsWith('x-dlq-'))).toEqual([]);
    }
    expect(replayed.map((r) => r.headers['x-event-id']).sort()).toEqual(
      receipts.map((r) => r.eventId).sort(),
    );

    const again = await runNode([cli, '--topic', topic.name, '--brokers', BROKERS.join(',')]);
    expect(JSON.parse(again.lines.at(-1)!)).toMatchObject({ result: { redriven: 0 } });
  }, 45_000);
});

function runNode(args: string[]): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lines }));
  });
}
