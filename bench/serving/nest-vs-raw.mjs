// The one-off measurement behind registering POST /predict on the raw Fastify instance: the same
// trivial JSON echo-constant handler as a NestJS controller route and as a raw Fastify route of the
// same NestJS app (FastifyAdapter), 5 s at 50 connections each, from the closed-loop load generator.
//   node bench/serving/nest-vs-raw.mjs [--seconds 5] [--connections 50]
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Body, Controller, Module, Post, HttpCode } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const SECONDS = Number(args.seconds ?? 5);
const CONNECTIONS = Number(args.connections ?? 50);
const PORT = 43880;
const answer = { probability: 0.5, label: 1, threshold: 0.5, modelName: 'constant', modelVersion: 1, variant: 'champion' };

class PredictController {
  predict(body) {
    return body && typeof body === 'object' ? answer : null;
  }
}
// Decorators applied by hand (this file is plain JavaScript).
Body()(PredictController.prototype, 'predict', 0);
HttpCode(200)(PredictController.prototype, 'predict', Object.getOwnPropertyDescriptor(PredictController.prototype, 'predict'));
Post('nest')(PredictController.prototype, 'predict', Object.getOwnPropertyDescriptor(PredictController.prototype, 'predict'));
Controller()(PredictController);
class AppModule {}
Module({ controllers: [PredictController] })(AppModule);

const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
app.getHttpAdapter().getInstance().post('/raw', async (request) => (request.body && typeof request.body === 'object' ? answer : null));
await app.listen({ port: PORT, host: '127.0.0.1' });

function loadgen(path) {
  const spec = { kind: 'http', url: `http://127.0.0.1:${PORT}${path}`, body: { customer: { tenure: 1 } }, connections: CONNECTIONS, seconds: SECONDS };
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(resolve(process.cwd()), 'bench/serving/loadgen.mjs'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('exit', (code) => (code === 0 ? ok(JSON.parse(text.trim())) : fail(new Error(`loadgen exited ${code}`))));
  });
}
for (const [route, path] of [['nest_controller', '/nest'], ['raw_fastify', '/raw'], ['nest_controller', '/nest'], ['raw_fastify', '/raw']]) {
  process.stdout.write(JSON.stringify({ bench: 'serving-nest-vs-raw', route, connections: CONNECTIONS, ...(await loadgen(path)) }) + '\n');
}
await app.close();
