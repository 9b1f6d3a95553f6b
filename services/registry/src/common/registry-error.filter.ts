import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RegistryError, RegistryErrorCode } from '@mlops/registry';

/** PostgreSQL unique violation: two writers raced for the same key. */
const UNIQUE_VIOLATION = '23505';

/**
 * Renders errors of the registry's HTTP routes as MLflow does: `{ error_code, message }` with the
 * code's status. A RegistryError keeps its code; a unique violation that slipped past a check is
 * RESOURCE_ALREADY_EXISTS; Nest's HttpExceptions (404 of an unknown route, 400 of a bad JSON body)
 * keep their status; anything else is INTERNAL_ERROR (500) without internals in the message.
 */
@Catch()
export class RegistryErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = renderError(error);
    void reply.status(status).header('content-type', 'application/json').send(body);
  }
}

/** The status and MLflow-shaped body of an error (exported for the tests). */
export function renderError(error: unknown): { status: number; body: { error_code: string; message: string } } {
  if (error instanceof RegistryError) {
    return { status: error.httpStatus, body: { error_code: error.code, message: error.message } };
  }
  if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) {
    const detail = (error as { detail?: unknown }).detail;
    return {
      status: 400,
      body: {
        error_code: RegistryErrorCode.ResourceAlreadyExists,
        message: typeof detail === 'string' ? detail : 'the resource already exists',
      },
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code =
      status === 404
        ? RegistryErrorCode.EndpointNotFound
        : status < 500
          ? RegistryErrorCode.InvalidParameterValue
          : RegistryErrorCode.InternalError;
    return { status, body: { error_code: code, message: error.message } };
  }
  const fastifyStatus = (error as { statusCode?: unknown }).statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return {
      status: fastifyStatus,
      body: {
        error_code: RegistryErrorCode.InvalidParameterValue,
        message: error instanceof Error ? error.message : String(error),
      },
    };
  }
  return {
    status: 500,
    body: { error_code: RegistryErrorCode.InternalError, message: 'internal error (see the registry log)' },
  };
}
