#!/usr/bin/env node
/**
 * `node libs/service-kit/dist/cli/ping.js [--timeout 5] [--json] [--expect a,b,...]`: sends one
 * `mlops.system.ping.v1` on the configured broker and prints every `mlops.system.pong.v1` answering
 * it: service, instance, version, uptime, readiness, subscribed topics and total consumer lag.
 * Exits 0 when every expected service (default: the seven) answered healthy, 1 otherwise.
 */
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { createEvent, parseEvent, topics, type SystemPongPayload } from '@mlops/contracts';
import { loadConfig, SERVICE_NAMES } from '@mlops/config';
import { createKafkaClient, ensureTopics, silentLogger } from '@mlops/messaging';

interface Options {
  timeout: string;
  json?: boolean;
  expect: string;
}

const program = new Command()
  .name('mlops-ping')
  .description('Ping every service on the bus and print the pongs')
  .option('-t, --timeout <seconds>', 'how long to wait for pongs', '5')
  .option('--json', 'one JSON pong per line instead of a table')
  .option(
    '-e, --expect <services>',
    'comma-separated services that must answer healthy',
    SERVICE_NAMES.join(','),
  )
  .parse();

const options = program.opts<Options>();
const timeoutMs = Number(options.timeout) * 1000;
if (!(timeoutMs > 0)) {
  process.stderr.write(`--timeout must be a positive number of seconds, got ${options.timeout}\n`);
  process.exit(2);
}
const expected = options.expect
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

const config = loadConfig();
const kafka = createKafkaClient(
  { clientId: `${config.kafka.client_id_prefix}-ping-cli`, brokers: [...config.kafka.brokers] },
  silentLogger,
);
const admin = kafka.admin();
const producer = kafka.producer();
const groupId = `${config.kafka.consumer_group_prefix}.ping-cli-${randomUUID()}`;
const consumer = kafka.consumer({ groupId });
const pingId = randomUUID();
const pongs: SystemPongPayload[] = [];

try {
  await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
  await ensureTopics(admin, [topics.systemPing.name, topics.systemPong.name]);
  const ends = await admin.fetchTopicOffsets(topics.systemPong.name);
  await consumer.subscribe({ topics: [topics.systemPong.name], fromBeginning: false });
  let everyoneAnswered: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (everyoneAnswered = resolve));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const parsed = parseEvent(topics.systemPong, message.value);
      if (!parsed.ok || parsed.event.payload.pingId !== pingId) return;
      pongs.push(parsed.event.payload);
      if (expected.every((name) => pongs.some((p) => p.service === name))) everyoneAnswered();
    },
  });
  for (const end of ends)
    consumer.seek({ topic: topics.systemPong.name, partition: end.partition, offset: end.high });
  const ping = createEvent(
    topics.systemPing,
    { pingId, requestedBy: 'ping-cli', sentAt: new Date().toISOString() },
    { producer: 'operator' },
  );
  await producer.send({
    topic: topics.systemPing.name,
    messages: [{ key: pingId, value: JSON.stringify(ping) }],
  });
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
} finally {
  await consumer.disconnect().catch(() => undefined);
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await Promise.all([producer.disconnect(), admin.disconnect()]).catch(() => undefined);
}

pongs.sort((a, b) => a.service.localeCompare(b.service) || a.instanceId.localeCompare(b.instanceId));
if (options.json) {
  for (const pong of pongs) process.stdout.write(`${JSON.stringify(pong)}\n`);
} else {
  process.stdout.write(
    `${'service'.padEnd(12)} ${'instance'.padEnd(24)} ${'version'.padEnd(8)} ${'uptime'.padStart(9)} ${'healthy'.padEnd(7)} ${'lag'.padStart(6)}  topics\n`,
  );
  for (const p of pongs) {
    const lag = p.consumerLag.reduce((sum, l) => sum + l.lag, 0);
    process.stdout.write(
      `${p.service.padEnd(12)} ${p.instanceId.padEnd(24)} ${p.version.padEnd(8)} ${`${p.uptimeSeconds.toFixed(0)} s`.padStart(9)} ${String(p.healthy).padEnd(7)} ${String(lag).padStart(6)}  ${p.subscribedTopics.join(' ')}\n`,
    );
  }
}
const missing = expected.filter((name) => !pongs.some((p) => p.service === name));
const unhealthy = [...new Set(pongs.filter((p) => !p.healthy).map((p) => p.service))];
if (missing.length > 0)
  process.stderr.write(`no pong within ${options.timeout} s from: ${missing.join(', ')}\n`);
if (unhealthy.length > 0)
  process.stderr.write(`not healthy: ${unhealthy.join(', ')} (see their /health/ready)\n`);
process.exit(missing.length === 0 && unhealthy.every((s) => !expected.includes(s)) ? 0 : 1);
