import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { IngestionError } from './ingestion.error.js';

/** Maps {@link IngestionError} to its HTTP status with `{ statusCode, error, message, ...details }`; other errors keep Nest's handling. */
@Catch(IngestionError)
export class IngestionExceptionFilter implements ExceptionFilter<IngestionError> {
  catch(error: IngestionError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error.status === 413) void reply.header('connection', 'close');
    void reply.status(error.status).send({ statusCode: error.status, error: error.code, message: error.message, ...(error.details ?? {}) });
  }
}
