// A closed-loop load generator: `connections` workers, each sending its next request when the
// previous answer arrived, for `seconds`. HTTP/1.1 over one keep-alive socket per worker, written
// and read directly on the socket (the request bytes built once; the answer read up to its
// content-length): the load generator shares the machine's two cores with the server under test,
// and Node's http client cost it 60 to 90 us of CPU per request (`"client": "node-http"` still
// uses it), this one about a third of that. Or gRPC unary calls: by default over one HTTP/2
// connection per worker with Node's http2 client, the request message encoded once (grpc-js's
// client cost 290 to 610 us of CPU per call here, more than the server under test, so its numbers
// measured the client); `"client": "grpc-js"` keeps grpc-js. Prints one JSON line:
// requests/s, p50/p90/p99 latency (ms, from the send to the full answer), errors, and the load
// generator's own CPU per request (the same work for every target: when it rises, the machine is
// charging for idle gaps, as at one connection against a slower server).
//   node loadgen.mjs '{"kind":"http","url":"http://127.0.0.1:3006/predict","body":{...},"connections":50,"seconds":10}'
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { predictionProtoPath, protoLoaderOptions } from '@mlops/contracts';

const o = JSON.parse(process.argv[2]);
const seconds = o.seconds ?? 10;
const warmup = o.warmupSeconds ?? 1;
const latencies = [];
let errors = 0;
let firstError;
let stop = false;
let record = false;

/** Counts an error while recording; the first one is kept for the report. */
function fail(why) {
  if (!record) return;
  errors++;
  firstError ??= why;
}

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
            else fail(`HTTP ${res.statusCode}`);
          }
          one();
        });
      });
      req.on('error', (e) => {
        fail(String(e));
        setImmediate(one);
      });
      req.end(body);
    };
    one();
  });
}

/** Status codes and latencies of HTTP/1.1 answers read straight off a keep-alive socket. */
function rawHttpWorker() {
  const u = new URL(o.url);
  const method = o.method ?? 'POST';
  const body = method === 'GET' ? Buffer.alloc(0) : Buffer.from(JSON.stringify(o.body ?? {}));
  const head = `${method} ${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\n${method === 'GET' ? '' : `content-type: application/json\r\ncontent-length: ${body.length}\r\n`}\r\n`;
  const request = Buffer.concat([Buffer.from(head, 'latin1'), body]);
  return new Promise((resolve) => {
    let socket;
    let pending = null;
    let t = 0n;
    const send = () => {
      if (stop) {
        socket.end();
        return resolve();
      }
      t = process.hrtime.bigint();
      socket.write(request);
    };
    const connect = () => {
      pending = null;
      socket = net.connect(Number(u.port), u.hostname, send);
      socket.setNoDelay(true);
      socket.on('data', (chunk) => {
        pending = pending === null ? chunk : Buffer.concat([pending, chunk]);
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const headers = pending.toString('latin1', 0, end);
        const length = /\r\ncontent-length: *(\d+)/i.exec(headers);
        if (length === null) {
          fail(`no content-length in the answer: ${headers.split('\r\n')[0]}`);
          socket.destroy();
          return;
        }
        const total = end + 4 + Number(length[1]);
        if (pending.length < total) return;
        if (pending.length > total) {
          fail('more bytes than one answer');
          socket.destroy();
          return;
        }
        pending = null;
        const status = Number(headers.slice(9, 12));
        if (record) {
          if (status === 200) latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
          else fail(`HTTP ${status}`);
        }
        send();
      });
      socket.on('error', (e) => fail(String(e)));
      socket.on('close', () => {
        if (stop) resolve();
        else setTimeout(connect, 10);
      });
    };
    connect();
  });
}

/** The gRPC frame of `o.request` (a PredictRequest): 1 byte uncompressed flag, 4 bytes length, the message. */
let grpcFrame;
function grpcRequestFrame() {
  if (grpcFrame) return grpcFrame;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : `${protoLoaderOptions.includeDirs[0]}/${target}`);
  root.loadSync(predictionProtoPath, { keepCase: true }).resolveAll();
  const type = root.lookupType('mlops.serving.v1.PredictRequest');
  const message = type.encode(type.fromObject(o.request)).finish();
  grpcFrame = Buffer.alloc(5 + message.length);
  grpcFrame.writeUInt32BE(message.length, 1);
  grpcFrame.set(message, 5);
  return grpcFrame;
}

/**
 * gRPC unary calls on one HTTP/2 connection (Node's http2 client): the status from the trailers. A
 * connection that fails or closes is opened again (after 10 ms), as the HTTP/1.1 worker does.
 */
function h2GrpcWorker() {
  const frame = grpcRequestFrame();
  const headers = { ':method': 'POST', ':path': '/mlops.serving.v1.PredictionService/Predict', 'content-type': 'application/grpc', te: 'trailers' };
  let session;
  const connect = () => {
    session = http2.connect(`http://${o.target}`);
    // Counted once here; the streams it cancels do not count it again.
    session.on('error', (e) => fail(String(e)));
  };
  connect();
  return new Promise((resolve) => {
    const one = () => {
      if (stop) return resolve(session.close());
      if (session.closed || session.destroyed) {
        connect();
        return setTimeout(one, 10);
      }
      const t = process.hrtime.bigint();
      const stream = session.request(headers);
      let status;
      let failed = false;
      stream.on('response', (h) => (status = h['grpc-status']));
      stream.on('trailers', (h) => (status = h['grpc-status'] ?? status));
      stream.on('data', () => undefined);
      stream.on('error', (e) => {
        failed = true;
        if (!session.destroyed) fail(String(e));
      });
      stream.on('close', () => {
        if (record) {
          if (status === '0') latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
          else if (!failed) fail(`grpc-status ${status ?? 'missing'}`);
        }
        setImmediate(one);
      });
      stream.end(frame);
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
          else fail(String(e.details ?? e));
        }
        one();
      });
    };
    one();
  });
}

const workers = Array.from({ length: o.connections }, () => (o.kind === 'grpc' ? (o.client === 'grpc-js' ? grpcWorker() : h2GrpcWorker()) : o.client === 'node-http' ? httpWorker() : rawHttpWorker()));
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
