import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { INGESTION_SETTINGS, type IngestionSettings } from '../settings/ingestion-settings.js';

export const CSV_CONTENT_TYPE = 'text/csv';

/** True for `text/csv` (any parameters, e.g. `; charset=utf-8`) and `application/csv`. */
export function isCsvContentType(type: string | undefined): boolean {
  if (type === undefined) return false;
  const base = type.split(';')[0]!.trim().toLowerCase();
  return base === 'text/csv' || base === 'application/csv';
}

/**
 * Registers the body parsers of the service on Fastify while the app initialises: CSV bodies pass
 * through as the raw request stream (the upload reads them chunk by chunk, in constant memory, and
 * enforces its own limit), and JSON bodies get the larger `INGESTION_MAX_JSON_BYTES` limit for
 * REST batches of up to 10,000 records.
 */
@Injectable()
export class BodyParsersInstaller implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(INGESTION_SETTINGS) private readonly settings: IngestionSettings,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (adapter === undefined || adapter.getType() !== 'fastify') {
      throw new Error('the ingestion service needs the Fastify adapter (@nestjs/platform-fastify) to stream CSV uploads');
    }
    const fastify = adapter.getInstance<FastifyInstance>();
    // Any other type also passes through unread, so the upload answers 415 with what to send.
    for (const type of ['text/csv', 'application/csv', '*']) {
      if (!fastify.hasContentTypeParser(type)) fastify.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
    }
    const json = fastify.getDefaultJsonParser('error', 'error');
    fastify.removeContentTypeParser('application/json');
    fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: this.settings.maxJsonBytes }, json);
  }
}
