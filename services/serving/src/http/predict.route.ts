import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpMetrics, JsonLogger } from '@mlops/observability';
import { parsePredictBody } from '../predict/prediction-request.js';
import { ServingError } from '../predict/serving.error.js';
import { ServingPredictions } from '../predict/serving-predictions.service.js';

const errorSchema = {
  type: 'object',
  properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
} as const;

/**
 * Error answers of `POST /predict` (fast-json-stringify). A 200 is `JSON.stringify` of the typed
 * answer: a response schema with the one-row and the batch shapes needs `anyOf`, which makes
 * fast-json-stringify validate the answer against each branch on every request.
 */
const responseSchema = {
  '4xx': errorSchema,
  '5xx': errorSchema,
} as const;

const REASONS: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 500: 'Internal Server Error', 503: 'Service Unavailable' };

const ROUTE = '/predict';
const JSON_TYPE = 'application/json; charset=utf-8';
/** Fastify's own error for a body that is not JSON (the fast path answers it the same way). */
const INVALID_JSON = { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY', message: "Body is not valid JSON but content-type is set to 'application/json'" };

interface ErrorAnswer {
  readonly status: number;
  readonly body: { statusCode: number; error: string; code: string; message: string; field?: string };
}

/**
 * `POST /predict`. Two doors to the same handling (`parsePredictBody` + `checkRow`, which name the
 * bad field, then `ServingPredictions.predict`):
 *
 * - **The fast path**, in front of Fastify on the HTTP server: a request whose headers are the
 *   ordinary case (POST `/predict`, at most the `explain` query parameter, `content-type:
 *   application/json`, a `content-length` within `serving.body_limit_bytes`) is read, parsed with
 *   `JSON.parse` and answered here, with the same answers, status codes, error bodies and
 *   `http_requests_total`/`http_request_duration_seconds` records as the route below. Fastify's
 *   request chain (routing, content-type parser, hooks, reply serialization; NestJS's adapter
 *   around them) cost 10 to 20% of the service's CPU per prediction at 50 connections (A/B,
 *   bench/serving/README.md).
 * - **The Fastify route**, registered on the raw Fastify instance rather than as a NestJS
 *   controller, for everything else (another content type -> 415, no or a too large
 *   `content-length` -> 413 or chunked bodies, other query parameters): the per-route body limit,
 *   Fastify's content-type and JSON checks, fast-json-stringify for the error answers.
 *
 * The fast path parses with `JSON.parse`, not Fastify's prototype-poisoning scan: a `__proto__`
 * or `constructor` key is an own property after `JSON.parse`, and the body's checks reject any key
 * they do not know (an unknown field or column -> 400 naming it); nothing merges request objects.
 */
@Injectable()
export class PredictRoute implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(ServingPredictions) private readonly serving: ServingPredictions,
    @Inject(HttpMetrics) private readonly httpMetrics: HttpMetrics,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    const serving = this.serving;
    fastify.route({
      method: 'POST',
      url: ROUTE,
      bodyLimit: serving.bodyLimit,
      schema: { response: responseSchema },
      errorHandler: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
        const { status, body } = this.errorAnswer(error);
        void reply.code(status).send(body);
      },
      handler: async (request: FastifyRequest<{ Querystring: { explain?: string } }>, reply: FastifyReply) => {
        const answer = await this.answer(request.body, request.query.explain);
        void reply.type(JSON_TYPE);
        return answer;
      },
    });
  }

  /** Puts the fast path in front of Fastify's request listener (before the server listens). */
  onApplicationBootstrap(): void {
    const server: Server = this.host.httpAdapter.getInstance<FastifyInstance>().server;
    const listeners = server.listeners('request') as RequestListener[];
    if (listeners.length !== 1) {
      this.logger.warn('POST /predict fast path not installed: the HTTP server has an unexpected set of request listeners', { listeners: listeners.length });
      return;
    }
    const fastify = listeners[0]!;
    server.removeListener('request', fastify);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!this.fastPath(req, res)) fastify.call(server, req, res);
    });
  }

  /** The answer text of a parsed body (the 200); throws what the error answers map. */
  private async answer(body: unknown, explain: string | undefined): Promise<string> {
    const parsed = parsePredictBody(body, this.serving.maxBatch, explain);
    const out = await this.serving.predict('rest', parsed);
    return JSON.stringify(parsed.batch ? { predictions: out } : out[0]);
  }

  /** The status and body of a failed request; counts rejections that never reached `predict`. */
  private errorAnswer(error: Pick<FastifyError, 'statusCode' | 'code' | 'message'> | Error): ErrorAnswer {
    const serving = this.serving;
    const statusCode = (error as { statusCode?: unknown }).statusCode;
    const status = error instanceof ServingError ? error.httpStatus : typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : 500;
    const code = error instanceof ServingError ? error.code : ((error as { code?: string }).code ?? 'INTERNAL');
    if (!(error instanceof ServingError)) serving.rejected('rest', code);
    const message =
      status === 413 ? `request body larger than ${serving.bodyLimit} bytes (serving.body_limit_bytes); send fewer rows per request` : status === 500 ? 'internal error while predicting' : error.message;
    if (status === 500) this.logger.error('POST /predict failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return { status, body: { statusCode: status, error: REASONS[status] ?? 'Error', code, message, ...(error instanceof ServingError && error.field ? { field: error.field } : {}) } };
  }

  /**
   * Answers `req` when its headers are the ordinary case (see the class); returns false, having
   * touched nothing, for Fastify to answer it.
   */
  private fastPath(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if (req.method !== 'POST' || url === undefined || !url.startsWith(ROUTE)) return false;
    let explain: string | undefined;
    if (url.length !== ROUTE.length) {
      // Only `?explain=<digits>`; anything else (other parameters, encodings, a longer path) goes to Fastify.
      const m = /^\/predict\?explain=(\d{1,4})$/.exec(url);
      if (m === null) return false;
      explain = m[1];
    }
    const type = req.headers['content-type'];
    if (type !== 'application/json' && type !== 'application/json; charset=utf-8' && type !== 'application/json;charset=utf-8') return false;
    const lengthHeader = req.headers['content-length'];
    if (lengthHeader === undefined || req.headers['transfer-encoding'] !== undefined) return false;
    const length = Number(lengthHeader);
    if (!Number.isSafeInteger(length) || length <= 0 || length > this.serving.bodyLimit) return false;

    const started = performance.now();
    const chunks: Buffer[] = [];
    // A client that goes away mid-body: nothing to answer (Node closes the socket).
    req.on('error', () => undefined);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
        // A leading byte-order mark is skipped, as Fastify's JSON parser does.
        body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      } catch {
        this.sendError(res, this.errorAnswer(INVALID_JSON), started);
        return;
      }
      this.answer(body, explain).then(
        (text) => {
          res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) }).end(text);
          this.httpMetrics.observe('POST', ROUTE, 200, (performance.now() - started) / 1000);
        },
        (error: unknown) => this.sendError(res, this.errorAnswer(error instanceof Error ? error : new Error(String(error))), started),
      );
    });
    return true;
  }

  private sendError(res: ServerResponse, { status, body }: ErrorAnswer, started: number): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) }).end(text);
    this.httpMetrics.observe('POST', ROUTE, status, (performance.now() - started) / 1000);
  }
}
