#!/usr/bin/env node
// Readiness probe of the local Kafka broker, used by deploy/local/stack.sh: real round trips
// through kafkajs admin, no retries: metadata (listTopics, describeCluster) and the group
// coordinator (describeGroups, which on a fresh broker also creates __consumer_offsets), so that
// consumer groups work as soon as the stack reports ready. Exit 0 when the broker answers all of
// them, 1 otherwise (the reason goes to stderr).
//
//   node deploy/local/kafka-ready.mjs [--brokers 127.0.0.1:9092] [--timeout-ms 5000] [--quiet]
//
// Brokers default to $KAFKA_BROKERS, then 127.0.0.1:9092 (an IPv4 literal on purpose: Node may
// resolve "localhost" to ::1, where the broker does not listen).
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
    'timeout-ms': { type: 'string', default: '5000' },
    quiet: { type: 'boolean', default: false },
  },
});

const timeoutMs = Number(values['timeout-ms']);
if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
  console.error(
    `kafka-ready: --timeout-ms must be a positive number of milliseconds, got "${values['timeout-ms']}"`,
  );
  process.exit(2);
}
const brokers = values.brokers
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0);

let kafkajs;
try {
  kafkajs = await import('kafkajs');
} catch (err) {
  console.error(
    `kafka-ready: cannot load kafkajs (${err instanceof Error ? err.message : String(err)}); run "npm ci" at the repository root first`,
  );
  process.exit(2);
}
const { Kafka, logLevel } = kafkajs.default ?? kafkajs;

const kafka = new Kafka({
  clientId: 'stack-kafka-ready',
  brokers,
  connectionTimeout: Math.min(timeoutMs, 3000),
  requestTimeout: timeoutMs,
  retry: { retries: 0 },
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();

const timer = setTimeout(() => {
  console.error(`kafka-ready: no answer from ${brokers.join(',')} within ${timeoutMs} ms`);
  process.exit(1);
}, timeoutMs + 1000);

try {
  await admin.connect();
  const topics = await admin.listTopics();
  const cluster = await admin.describeCluster();
  await admin.describeGroups(['stack-kafka-ready']);
  if (!values.quiet) {
    console.log(
      JSON.stringify({
        ready: true,
        brokers,
        clusterId: cluster.clusterId,
        controller: cluster.controller,
        brokerCount: cluster.brokers.length,
        topics: topics.length,
      }),
    );
  }
  await admin.disconnect();
  clearTimeout(timer);
  process.exit(0);
} catch (err) {
  console.error(
    `kafka-ready: ${brokers.join(',')} not ready: ${err instanceof Error ? err.message : String(err)}`,
  );
  await admin.disconnect().catch(() => undefined);
  clearTimeout(timer);
  process.exit(1);
}
