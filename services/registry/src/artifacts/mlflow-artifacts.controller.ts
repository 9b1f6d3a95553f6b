import { Controller, Get, Put, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { optionalString } from '../common/request-values.js';
import { RegistryError } from '@mlops/registry';
import { ArtifactsService } from '@mlops/registry';
import { RegistryErrorFilter } from '../common/registry-error.filter.js';

const PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

/** The artifact path after the route prefix, decoded, without the query string. */
export function pathAfter(url: string, prefix: string): string {
  const withoutQuery = url.split('?')[0] as string;
  return decodeURIComponent(withoutQuery.slice(prefix.length)).replace(/^\/+/, '');
}

export function bodyBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  throw RegistryError.invalid('Send the artifact bytes as the request body');
}

/**
 * MLflow's artifact proxy (`mlflow-artifacts:/` URIs): upload, download and list, as the MLflow
 * client calls them when its tracking URI is this service. Bytes go to the content-addressed store.
 */
@UseFilters(RegistryErrorFilter)
@Controller('api/2.0/mlflow-artifacts')
export class MlflowArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Put('artifacts/*')
  async upload(@Req() req: FastifyRequest): Promise<Record<string, never>> {
    await this.artifacts.put(pathAfter(req.url, PREFIX), bodyBytes(req.body));
    return {};
  }

  @Get('artifacts/*')
  async download(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.artifacts.get(pathAfter(req.url, PREFIX));
    await reply.header('content-type', 'application/octet-stream').header('content-length', found.size).send(found.stream);
  }

  @Get('artifacts')
  async list(@Query() q: Record<string, unknown>): Promise<Record<string, unknown>> {
    const path = optionalString(q, 'path') ?? '';
    const files = await this.artifacts.list(path);
    return {
      files: files.map((f) => ({
        path: f.path.split('/').pop(),
        is_dir: f.isDir,
        ...(f.fileSize !== undefined ? { file_size: f.fileSize } : {}),
      })),
    };
  }
}
