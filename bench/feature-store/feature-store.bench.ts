/**
 * bench:feature-store: latency of reading one customer's features (every feature of the Telco
 * customer view, one HMGET) from the real Redis of the local stack, against redis-benchmark's GET
 * on the same Redis in the same run. Prints JSON lines:
 * - materialization: storeMany throughput for all Telco customers (rows/s, median of --repeats);
 * - ours `getFeatures` (all features) sequential and at --concurrency in-flight calls on one
 *   connection: rps, p50/p99/max in ms over --calls calls;
 * - the same with the bare ioredis HMGET of the same fields and a bare ioredis GET (client cost
 *   without our decoding), sequential and concurrent;
 * - redis-benchmark `-t get -n --requests -P 1 -c 1` and `-c --concurrency` (C client, N connections).
 *
 * Usage: node bench/feature-store/dist/feature-store.bench.js [--calls 20000]
 *        [--concurrency 50] [--requests 100000] [--repeats 3]
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '@mlops/config';
import { FeatureStore, customerFeatureViewFromDataset, materializeCustomers } from '@mlops/feature-store';
import { TELCO_FEATURES, fitFeatures, readCsvFile } from '@mlops/ml';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

const CALLS = arg('--calls', 20_000);
const CONCURRENCY = arg('--concurrency', 50);
const REQUESTS = arg('--requests', 100_000);
const REPEATS = arg('--repeats', 3);

function emit(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'feature-store', ...o })}\n`);
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** rps and latency percentiles (nearest rank) of `lat` (ms). */
function stats(lat: Float64Array, seconds: number): Record<string, number> {
  const s = Float64Array.from(lat).sort();
  const q = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { calls: s.length, rps: Math.round(s.length / seconds), p50_ms: round(q(0.5), 4), p99_ms: round(q(0.99), 4), max_ms: round(s[s.length - 1]!, 3) };
}

/** Runs `call` `n` times with `concurrency` in flight; per-call latency in ms. */
async function measure(n: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<Record<string, number>> {
  const lat = new Float64Array(n);
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      await call(i);
      lat[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return stats(lat, Number(process.hrtime.bigint() - started) / 1e9);
}

/** redis-benchmark's CSV: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms". */
function redisBenchmark(host: string, port: string, password: string | null, clients: number): Record<string, number | string> {
  const args = ['-h', host, '-p', port, '-t', 'get', '-n', String(REQUESTS), '-P', '1', '-c', String(clients), '--csv'];
  if (password !== null) args.push('-a', password, '--no-auth-warning');
  const out = spawnSync('redis-benchmark', args, { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`redis-benchmark failed (${out.status}): ${out.stderr}`);
  const lines = out.stdout.trim().split('\n');
  const header = lines[0]!.split(',').map((h) => h.replace(/"/g, ''));
  const row = lines.find((l) => l.startsWith('"GET"'))!.split(',').map((v) => v.replace(/"/g, ''));
  const get = (name: string): number => Number(row[header.indexOf(name)]);
  return { calls: REQUESTS, rps: Math.round(get('rps')), p50_ms: get('p50_latency_ms'), p99_ms: get('p99_latency_ms'), max_ms: get('max_latency_ms') };
}

async function main(): Promise<void> {
  const config = loadConfig({ env: process.env, configDir: resolve(process.cwd(), 'config') });
  const url = new URL(config.redis.url);
  const redis = new Redis(config.redis.url, {
    ...(config.redis.password !== null ? { password: config.redis.password } : {}),
    db: config.redis.db,
    maxRetriesPerRequest: 1,
  });
  const prefix = `bench:feature-store:${process.pid}-${randomBytes(3).toString('hex')}:customer:`;
  try {
    const ds = (await readCsvFile(resolve(process.cwd(), config.data.raw_path), { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
    const features = fitFeatures(TELCO_FEATURES, ds);
    const view = customerFeatureViewFromDataset(config.features.online_store.feature_view, ds, features);
    const store = FeatureStore.fromConfig(redis, { ...config.features.online_store, key_prefix: prefix }, [view]);
    const idCol = ds.categorical(config.data.id_column);
    const ids = Array.from(idCol.codes, (c) => idCol.categories[c]!);
    const info = await redis.info('server');
    emit({
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      url: `${url.hostname}:${url.port || '6379'}`,
      customers: ids.length,
      features: view.features.length,
      calls: CALLS,
      concurrency: CONCURRENCY,
      requests: REQUESTS,
      load_avg: (await import('node:os')).loadavg().map((x) => round(x, 2)),
      cpus: (await import('node:os')).cpus().length,
    });

    // Materialization: all customers, pipelined; later repeats carry a newer event time.
    const secs: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const s = await materializeCustomers(store, ds, features, { eventTime: Date.UTC(2024, 0, 1) + r });
      if (s.applied !== ids.length) throw new Error(`materialization applied ${s.applied} of ${ids.length}`);
      secs.push(s.seconds);
    }
    secs.sort((a, b) => a - b);
    const median = secs[Math.floor(secs.length / 2)]!;
    emit({ impl: 'ours materializeCustomers (applyRecord + storeMany, Lua newer-wins)', rows: ids.length, seconds: round(median, 4), rows_per_s: Math.round(ids.length / median) });

    // Reads: random customers, the same sequence for every client.
    const order = Int32Array.from({ length: Math.max(CALLS, 1) }, (_, i) => (i * 2654435761) % ids.length);
    const refs = view.features.map((f) => `${view.name}:${f.name}`);
    const fields = [...refs, `_ts:${view.name}`];
    const keys = ids.map((id) => store.keyOf(id));
    const warm = Math.min(2000, CALLS);
    await measure(warm, 1, (i) => store.getFeatures(ids[order[i]!]!, refs));
    await redis.set(`${prefix}get-anchor`, 'x'.repeat(300));

    for (const c of [1, CONCURRENCY]) {
      emit({ impl: 'ours getFeatures (all features, HMGET + decode)', concurrency: c, connections: 1, ...(await measure(CALLS, c, (i) => store.getFeatures(ids[order[i]!]!, refs))) });
      emit({ impl: 'ioredis HMGET (same fields, no decode)', concurrency: c, connections: 1, ...(await measure(CALLS, c, (i) => redis.hmget(keys[order[i]!]!, ...fields))) });
      emit({ impl: 'ioredis GET (300-byte string)', concurrency: c, connections: 1, ...(await measure(CALLS, c, () => redis.get(`${prefix}get-anchor`))) });
      emit({ impl: 'redis-benchmark -t get -P 1 (C client)', concurrency: c, connections: c, ...redisBenchmark(url.hostname, url.port || '6379', config.redis.password, c) });
    }
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:feature-store: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
