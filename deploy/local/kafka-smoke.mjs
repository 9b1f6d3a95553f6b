#!/usr/bin/env node
// End-to-end check of the local Kafka broker: creates a fresh topic, produces one message,
// consumes it back through a consumer group, compares it, deletes the topic. Prints one JSON
// line and exits 0 on success, 1 on failure.
//
//   node deploy/local/kafka-smoke.mjs [--brokers 127.0.0.1:9092] [--timeout-ms 30000]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
    'timeout-ms': { type: 'string', default: '30000' },
  },
});
const timeoutMs = Number(values['timeout-ms']);
if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
  console.error(
    `kafka-smoke: --timeout-ms must be a positive number of milliseconds, got "${values['timeout-ms']}"`,
  );
  process.exit(2);
}
const brokers = values.brokers
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0);

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const kafkajs = await import('kafkajs');
const { Kafka, logLevel } = kafkajs.default ?? kafkajs;

const runId = randomUUID();
const topic = `stack.smoke.${runId}`;
const kafka = new Kafka({ clientId: 'stack-kafka-smoke', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
const consumer = kafka.consumer({ groupId: `stack-smoke-${runId}` });
const started = performance.now();

const timer = setTimeout(() => {
  console.error(`kafka-smoke: message not received back within ${timeoutMs} ms`);
  process.exit(1);
}, timeoutMs);

try {
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });

  const sent = { key: runId, value: JSON.stringify({ runId, sentAt: new Date().toISOString() }) };
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received = new Promise((resolve) => {
    void consumer.run({
      eachMessage: async ({ message, partition }) => {
        resolve({
          key: message.key?.toString(),
          value: message.value?.toString(),
          partition,
          offset: message.offset,
        });
      },
    });
  });

  await producer.connect();
  const [meta] = await producer.send({ topic, messages: [sent], acks: -1 });
  const got = await received;

  const ok = got.key === sent.key && got.value === sent.value;
  console.log(
    JSON.stringify({
      ok,
      brokers,
      topic,
      producedOffset: meta.baseOffset,
      consumed: got,
      roundTripMs: Math.round(performance.now() - started),
    }),
  );

  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.deleteGroups([`stack-smoke-${runId}`]).catch(() => undefined);
  await admin.disconnect();
  clearTimeout(timer);
  process.exit(ok ? 0 : 1);
} catch (err) {
  console.error(`kafka-smoke: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
}
