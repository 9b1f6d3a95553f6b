import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** Largest accepted request body (an artifact upload). */
export const MAX_BODY_BYTES = 512 * 1024 * 1024;

/** Routes whose body is an artifact's bytes, whatever its content type (a `.json` file stays raw). */
export function isArtifactUpload(url: string): boolean {
  return url.startsWith('/api/2.0/mlflow-artifacts/artifacts/') || /^\/api\/v1\/runs\/[^/]+\/artifacts\//.test(url);
}

/**
 * Replaces Fastify's body parsers with one that reads every body as bytes: artifact uploads keep
 * their exact bytes (the MLflow client sends a file with its guessed MIME type, `application/json`
 * included); other JSON bodies are parsed (a malformed one is a 400), text stays text.
 */
@Injectable()
export class RawBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (request, body, done) => {
      const bytes = body as Buffer;
      if (isArtifactUpload(request.url)) return done(null, bytes);
      const type = String(request.headers['content-type'] ?? '');
      if (type.includes('json')) {
        if (bytes.length === 0) return done(null, {});
        try {
          return done(null, JSON.parse(bytes.toString('utf8')) as unknown);
        } catch (error) {
          const bad = new Error(`Malformed JSON body: ${error instanceof Error ? error.message : String(error)}`) as Error & {
            statusCode: number;
          };
          bad.statusCode = 400;
          return done(bad, undefined);
        }
      }
      if (type.startsWith('text/')) return done(null, bytes.toString('utf8'));
      return done(null, bytes);
    });
  }
}
