import type { LoggerService } from '@nestjs/common';
import type { JsonLogger, LogLevel } from '../logger/json-logger.js';

/**
 * NestJS `LoggerService` writing through a {@link JsonLogger}, so Nest's own lines (bootstrap,
 * routes, exceptions) are JSON with the service name too:
 * `NestFactory.create(AppModule, adapter, { logger: new NestJsonLogger(logger) })`.
 * Nest's trailing `context` argument becomes the `context` field; `verbose` maps to `trace`.
 */
export class NestJsonLogger implements LoggerService {
  constructor(private readonly logger: JsonLogger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams);
  }
  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }
  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }
  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }
  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('trace', message, optionalParams);
  }
  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  private write(level: LogLevel, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') fields['context'] = rest.pop();
    // Nest calls error(message, stack, context): a remaining string parameter is the stack.
    if (level === 'error' && typeof rest[0] === 'string') fields['stack'] = rest.shift();
    if (rest.length > 0) fields['params'] = rest;
    let msg: string;
    if (typeof message === 'string') msg = message;
    else if (message instanceof Error) {
      msg = message.message;
      fields['err'] = message;
    } else {
      msg = typeof message === 'object' && message !== null ? 'object' : String(message);
      if (typeof message === 'object' && message !== null) fields['detail'] = message;
    }
    this.logger.log(level, msg, fields);
  }
}
