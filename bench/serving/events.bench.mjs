// What one served prediction costs the prediction-served path, per step, in us of CPU (median of
// rounds): on the request thread, `servedPredictionJson` (the contract's fast check + JSON); on the
// publisher thread, `predictionServedEventJson` (the envelope, by concatenation) and kafkajs
// producing the event to the real broker (`KafkaEventPublisher.sendPrepared`, one produce request
// in flight, acks all), uncompressed and snappy-compressed (serving's default), for batches of 100
// and 500 predictions of the Telco shape (19 features).
// Needs Kafka (npm run stack -- start). JSON lines.
//   node bench/serving/events.bench.mjs [--rounds 5] [--batches 40]
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { predictionServedEventJson, servedPredictionJson } from '@mlops/contracts';
import { createKafkaClient, KafkaEventPublisher, snappyCompress } from '@mlops/messaging';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const ROUNDS = Number(args.rounds ?? 5);
const BATCHES = Number(args.batches ?? 40);
const out = (o) => process.stdout.write(`${JSON.stringify({ bench: 'prediction-events', ...o, load1: Number(loadavg()[0].toFixed(2)) })}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuUs = (c) => c.user + c.system;

const features = { gender: 'Female', senior_citizen: 0, partner: 'Yes', dependents: 'No', tenure: 12, phone_service: 'Yes', multiple_lines: 'No', internet_service: 'Fiber optic', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'Yes', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 'Yes', payment_method: 'Electronic check', monthly_charges: 70.35, total_charges: 1397.475 };
const prediction = () => ({ requestId: randomUUID(), modelName: 'churn-predictor', modelVersion: 3, variant: 'champion', probability: Math.random(), label: 0, threshold: 0.5, latencyMs: 0.1234, features: { ...features }, servedAt: new Date().toISOString() });

const quiet = { debug() {}, info() {}, warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) };
const kafka = createKafkaClient({ clientId: `events-bench-${process.pid}`, brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',') }, quiet);
const publishers = { none: new KafkaEventPublisher(kafka, { producerName: 'serving' }, quiet), snappy: new KafkaEventPublisher(kafka, { producerName: 'serving', compression: 'snappy' }, quiet) };
for (const p of Object.values(publishers)) await p.connect();
try {
  for (const [compression, publisher] of Object.entries(publishers)) for (const size of [100, 500]) {
    const samples = { json: [], wrap: [], produce: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const objects = Array.from({ length: size * BATCHES }, prediction);
      let c0 = process.cpuUsage();
      const texts = objects.map(servedPredictionJson);
      samples.json.push(cpuUs(process.cpuUsage(c0)) / objects.length);
      const batches = Array.from({ length: BATCHES }, (_, b) => texts.slice(b * size, (b + 1) * size));
      c0 = process.cpuUsage();
      const events = batches.map((b) => predictionServedEventJson(b, { producer: 'serving' }));
      samples.wrap.push(cpuUs(process.cpuUsage(c0)) / objects.length);
      await publisher.sendPrepared([events[0]]); // connection and metadata warm
      c0 = process.cpuUsage();
      for (const e of events.slice(1)) await publisher.sendPrepared([e]);
      samples.produce.push(cpuUs(process.cpuUsage(c0)) / ((BATCHES - 1) * size));
    }
    const value = predictionServedEventJson(Array.from({ length: size }, () => servedPredictionJson(prediction())), { producer: 'serving' }).value;
    out({
      compression,
      predictionsPerEvent: size,
      eventBytes: Buffer.byteLength(value),
      snappyBytes: snappyCompress(Buffer.from(value)).length,
      servedPredictionJsonCpuUs: Number(median(samples.json).toFixed(2)),
      wrapCpuUs: Number(median(samples.wrap).toFixed(2)),
      kafkajsProduceCpuUs: Number(median(samples.produce).toFixed(2)),
      rounds: ROUNDS,
      eventsPerRound: BATCHES,
    });
  }
} finally {
  for (const p of Object.values(publishers)) await p.close();
}
