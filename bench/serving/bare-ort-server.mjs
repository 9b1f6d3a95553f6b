// What any Node server built on onnxruntime-node pays at least: a bare Node http server that
// parses each body and answers from ONE onnxruntime run per event-loop turn (the requests read in
// the same turn go into one run, as the service batches them), with the session, packed inputs and
// options the service uses (libs/ml `createPipelineSession`, built). No input checks, no events, no
// metrics, no framework. `node bare-ort-server.mjs <port> <model.onnx>`
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createPipelineSession } from '../../libs/ml/dist/onnx/runtime.js';

const session = await createPipelineSession(new Uint8Array(readFileSync(process.argv[3])));
let queue = [];
const run = () => {
  const batch = queue;
  queue = [];
  try {
    const proba = session.probaSync(batch.map((b) => b.row));
    for (let i = 0; i < batch.length; i++) batch[i].answer(proba[i]);
  } catch (error) {
    for (const b of batch) b.fail(error);
  }
};
http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const send = (status, body) => res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      let row;
      try {
        row = JSON.parse(Buffer.concat(chunks).toString()).customer;
      } catch {
        return send(400, '{"error":"bad json"}');
      }
      if (queue.length === 0) setImmediate(run);
      queue.push({
        row,
        answer: (p) => send(200, JSON.stringify({ probability: p, label: p >= 0.5 ? 1 : 0 })),
        fail: (e) => send(400, JSON.stringify({ error: String(e.message) })),
      });
    });
  })
  .listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
