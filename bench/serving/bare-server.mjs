// The ceiling: a bare Node http server answering every POST with a constant prediction-shaped JSON
// (reads the body, parses nothing). `node bare-server.mjs <port>`
import http from 'node:http';

const answer = Buffer.from(JSON.stringify({ requestId: '00000000-0000-4000-8000-000000000000', probability: 0.5, label: 1, threshold: 0.5, modelName: 'constant', modelVersion: 1, variant: 'champion' }));
http
  .createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer));
  })
  .listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
