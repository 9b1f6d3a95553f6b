// bench:ingest (see run.sh). Starts the built ingestion service as a child process on its own port
// and consumer group, then measures, in the same run:
//   upload: a generated Telco-like CSV of --rows rows POSTed (streamed) to /datasets/:name/upload,
//           from the first byte sent to the response (rows committed in PostgreSQL);
//   events: --events mlops.data.record.v1 events produced to Kafka, from the first send to the
//           moment all rows are committed (polled in PostgreSQL);
//   anchor: psql \copy of the same file into a plain table of text columns (the ceiling).
// Peak RSS of the service process is sampled from /proc every 50 ms per phase.
import { spawn, execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, readdirSync, copyFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createEvent, topics } from '@mlops/contracts';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const ROWS = Number(args.rows ?? 1_000_000);
const EVENTS = Number(args.events ?? 50_000);
const ROOT = resolve(process.cwd());
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://mlops:mlops@127.0.0.1:5432/mlops';
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const RUN = `bench${Date.now().toString(36)}`;
const PORT = 43900;
const out = (o) => process.stdout.write(`${JSON.stringify({ bench: 'ingest', ...o })}\n`);

// ---- data: the Telco rows repeated with fresh ids
const work = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
const csvPath = join(work, 'telco-big.csv');
const [header, ...lines] = readFileSync(join(ROOT, 'data/raw/customer_data.csv'), 'utf8').trimEnd().split('\n');
{
  const ws = createWriteStream(csvPath);
  ws.write(`${header}\n`);
  let buf = '';
  for (let i = 0; i < ROWS; i++) {
    const line = lines[i % lines.length];
    buf += `"B${i.toString(36).padStart(8, '0')}"${line.slice(line.indexOf(','))}\n`;
    if (buf.length > 1 << 20) {
      if (!ws.write(buf)) await once(ws, 'drain');
      buf = '';
    }
  }
  ws.end(buf);
  await once(ws, 'finish');
}
const bytes = statSync(csvPath).size;
out({ phase: 'data', rows: ROWS, bytes, events: EVENTS, cpus: (await import('node:os')).cpus().length, load_avg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') });

// ---- service
const configDir = join(work, 'config');
execFileSync('mkdir', ['-p', configDir]);
for (const f of readdirSync(join(ROOT, 'config'))) if (statSync(join(ROOT, 'config', f)).isFile()) copyFileSync(join(ROOT, 'config', f), join(configDir, f));
const envFile = join(configDir, `${process.env.MLOPS_ENV || 'development'}.yaml`);
const overlay = parseYaml(readFileSync(envFile, 'utf8')) ?? {};
overlay.kafka = { ...(overlay.kafka ?? {}), consumer_group_prefix: `mlops-${RUN}` };
overlay.logging = { level: 'warn' };
writeFileSync(envFile, stringifyYaml(overlay));
const child = spawn(process.execPath, [join(ROOT, 'services/ingestion/dist/main.js')], {
  cwd: ROOT,
  env: { ...process.env, MLOPS_CONFIG_DIR: configDir, INGESTION_HTTP_PORT: String(PORT), INGESTION_SWEEP_INTERVAL_MS: '600000' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const url = `http://127.0.0.1:${PORT}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${url}/health/ready`)).ok) break;
  } catch {}
  if (i > 600) throw new Error('the ingestion service did not become ready');
  await new Promise((r) => setTimeout(r, 100));
}
function rssMb() {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}
function sampler() {
  let peak = rssMb();
  const t = setInterval(() => (peak = Math.max(peak, rssMb())), 50);
  return () => (clearInterval(t), Math.round(peak));
}
const db = new pg.Client({ connectionString: DATABASE_URL });
await db.connect();

try {
  // ---- upload
  const rssBefore = Math.round(rssMb());
  let stop = sampler();
  let t0 = performance.now();
  const result = await new Promise((resolveReq, reject) => {
    const req = http.request(`${url}/datasets/${RUN}-upload/upload`, { method: 'POST', headers: { 'content-type': 'text/csv', 'content-length': bytes } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d)).on('end', () => resolveReq({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    createReadStream(csvPath, { highWaterMark: 1 << 20 }).pipe(req);
  });
  let seconds = (performance.now() - t0) / 1000;
  const uploaded = JSON.parse(result.body);
  if (result.status !== 201) throw new Error(`upload failed: ${result.status} ${result.body.slice(0, 300)}`);
  out({ phase: 'upload', impl: 'ours', rows: uploaded.stored, quarantined: uploaded.quarantined, seconds: +seconds.toFixed(2), rows_per_s: Math.round(uploaded.stored / seconds), mb_per_s: +(bytes / 1e6 / seconds).toFixed(1), rss_before_mb: rssBefore, peak_rss_mb: stop() });

  // ---- anchor: psql \copy into a plain table
  const table = `bench_ingest_${RUN}`;
  const cols = header.split(',').map((h) => `${JSON.parse(h)} text`).join(', ');
  await db.query(`CREATE TABLE public.${table} (${cols})`);
  t0 = performance.now();
  execFileSync('psql', [DATABASE_URL, '-q', '-c', `\\copy public.${table} FROM '${csvPath}' WITH (FORMAT csv, HEADER true)`]);
  seconds = (performance.now() - t0) / 1000;
  const { rows: [{ n }] } = await db.query(`SELECT count(*)::int AS n FROM public.${table}`);
  await db.query(`DROP TABLE public.${table}`);
  out({ phase: 'upload', impl: 'anchor psql \\copy (plain text table)', rows: n, seconds: +seconds.toFixed(2), rows_per_s: Math.round(n / seconds), mb_per_s: +(bytes / 1e6 / seconds).toFixed(1) });

  // ---- record events
  const kafka = new Kafka({ clientId: RUN, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const names = header.split(',').map((h) => JSON.parse(h));
  const parsed = lines.slice(0, 1000).map((l) => l.split(',').map((f) => (f.startsWith('"') ? JSON.parse(f) : f === '' ? null : Number(f))));
  const dataset = `${RUN}-stream`;
  const messages = [];
  for (let i = 0; i < EVENTS; i++) {
    const row = parsed[i % parsed.length];
    const values = Object.fromEntries(names.map((n, c) => [n, row[c]]).filter(([n]) => n !== 'customer_id'));
    const customerId = `E${i}`;
    const event = createEvent(topics.dataRecord, { customerId, datasetName: dataset, values }, { producer: 'operator', eventId: randomUUID() });
    messages.push({ key: customerId, value: JSON.stringify(event), headers: { 'x-event-id': event.eventId, 'x-correlation-id': event.correlationId, 'x-schema-version': String(event.schemaVersion), 'x-producer': 'operator' } });
  }
  stop = sampler();
  t0 = performance.now();
  for (let i = 0; i < messages.length; i += 5000) await producer.send({ topic: topics.dataRecord.name, messages: messages.slice(i, i + 5000) });
  const produced = (performance.now() - t0) / 1000;
  let stored = 0;
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM ingestion.dataset_rows r JOIN ingestion.datasets d ON d.id = r.dataset_id WHERE d.name = $1`,
      [dataset],
    );
    stored = rows[0].n;
    if (stored >= EVENTS) break;
    if ((performance.now() - t0) / 1000 > 900) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  seconds = (performance.now() - t0) / 1000;
  out({ phase: 'events', impl: 'ours (Kafka -> dedupe + row in one transaction per event)', events: EVENTS, rows: stored, produce_seconds: +produced.toFixed(2), seconds: +seconds.toFixed(2), rows_per_s: Math.round(stored / seconds), peak_rss_mb: stop() });
  await producer.disconnect();
} finally {
  await db.query(`DELETE FROM ingestion.datasets WHERE name LIKE $1`, [`${RUN}%`]).catch(() => undefined);
  await db.end();
  child.kill('SIGTERM');
  await once(child, 'exit');
  rmSync(work, { recursive: true, force: true });
}
