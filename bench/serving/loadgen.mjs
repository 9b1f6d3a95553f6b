// A closed-loop load generator (autocannon is not installed): `connections` workers, each sending
// its next request when the previous answer arrived, for `seconds`. HTTP over keep-alive sockets
// (one per worker), or gRPC unary calls over one channel per worker. Prints one JSON line:
// requests/s, p50/p90/p99 latency (ms, from the send to the full answer), errors, and the load
// generator's own CPU per request (the same work for every target: when it rises, the machine is
// charging for idle gaps, as at one connection against a slower server).
//   node loadgen.mjs '{"kind":"http","url":"http://127.0.0.1:3006/predict","body":{...},"connections":50,"seconds":10}'
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { predictionProtoPath, protoLoaderOptions } from '@mlops/contracts';

const o = JSON.parse(process.argv[2]);
const seconds = o.seconds ?? 10;
const warmup = o.warmupSeconds ?? 1;
const latencies = [];
let errors = 0;
let firstError;
let stop = false;
let record = false;

function httpWorker() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(o.url);
  const body = Buffer.from(JSON.stringify(o.body ?? {}));
  const opts = { agent, host: u.hostname, port: u.port, path: u.pathname + u.search, method: o.method ?? 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } };
  return new Promise((resolve) => {
    const one = () => {
      if (stop) return resolve(agent.destroy());
      const t = process.hrtime.bigint();
      const req = http.request(opts, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          if (record) {
            if (res.statusCode === 200) latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
            else if ((errors++, firstError === undefined)) firstError = `HTTP ${res.statusCode}`;
          }
          one();
        });
      });
      req.on('error', (e) => {
        if (record && (errors++, firstError === undefined)) firstError = String(e);
        setImmediate(one);
      });
      req.end(body);
    };
    one();
  });
}

let grpcCtor;
function grpcWorker() {
  grpcCtor ??= grpc.loadPackageDefinition(loadSync(predictionProtoPath, { ...protoLoaderOptions })).mlops.serving.v1.PredictionService;
  // A distinct channel per worker (grpc-js shares subchannels unless the options differ).
  const client = new grpcCtor(o.target, grpc.credentials.createInsecure(), { 'grpc.channel_id': Math.random() });
  return new Promise((resolve) => {
    const one = () => {
      if (stop) return resolve(client.close());
      const t = process.hrtime.bigint();
      client.Predict(o.request, (e) => {
        if (record) {
          if (!e) latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
          else if ((errors++, firstError === undefined)) firstError = String(e.details ?? e);
        }
        one();
      });
    };
    one();
  });
}

const workers = Array.from({ length: o.connections }, () => (o.kind === 'grpc' ? grpcWorker() : httpWorker()));
await new Promise((r) => setTimeout(r, warmup * 1000));
record = true;
const started = performance.now();
const cpu0 = process.cpuUsage();
await new Promise((r) => setTimeout(r, seconds * 1000));
record = false;
const cpu = process.cpuUsage(cpu0);
const elapsed = (performance.now() - started) / 1000;
stop = true;
await Promise.all(workers);
latencies.sort((a, b) => a - b);
const q = (p) => (latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(3)) : null);
process.stdout.write(
  JSON.stringify({ requests: latencies.length, errors, firstError, seconds: Number(elapsed.toFixed(2)), rps: Math.round(latencies.length / elapsed), p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99), loadgenCpuUsPerRequest: latencies.length ? Math.round((cpu.user + cpu.system) / latencies.length) : null }) + '\n',
);
