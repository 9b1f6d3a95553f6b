import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/**
 * `POST /predict`, registered on the raw Fastify instance rather than as a NestJS controller: no
 * guard/interceptor/pipe chain on the hot path, a per-route body limit
 * (`serving.body_limit_bytes` -> 413), and fast-json-stringify for the error answers. The body is read by `parsePredictBody` + `checkRow`, which name the bad field.
 */
@Injectable()
export class PredictRoute implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(ServingPredictions) private readonly serving: ServingPredictions,
  ) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    const serving = this.serving;
    fastify.route({
      method: 'POST',
      url: '/predict',
      bodyLimit: serving.bodyLimit,
      schema: { response: responseSchema },
      errorHandler: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
        const status = error instanceof ServingError ? error.httpStatus : typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
        const code = error instanceof ServingError ? error.code : (error.code ?? 'INTERNAL');
        if (!(error instanceof ServingError)) serving.rejected('rest', code);
        const message =
          status === 413 ? `request body larger than ${serving.bodyLimit} bytes (serving.body_limit_bytes); send fewer rows per request` : status === 500 ? 'internal error while predicting' : error.message;
        if (status === 500) reply.log.error(error);
        void reply.code(status).send({ statusCode: status, error: REASONS[status] ?? 'Error', code, message, ...(error instanceof ServingError && error.field ? { field: error.field } : {}) });
      },
      handler: async (request: FastifyRequest<{ Querystring: { explain?: string } }>, reply: FastifyReply) => {
        const parsed = parsePredictBody(request.body, serving.maxBatch, request.query.explain);
        const out = await serving.predict('rest', parsed);
        void reply.type('application/json; charset=utf-8');
        return JSON.stringify(parsed.batch ? { predictions: out } : out[0]);
      },
    });
  }
}
