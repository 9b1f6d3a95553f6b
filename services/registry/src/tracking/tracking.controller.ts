import { Body, Controller, Get, Param, Patch, Post, Put, Query, Req, Res, UseFilters, HttpCode } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bodyBytes, pathAfter } from '../artifacts/mlflow-artifacts.controller.js';
import { ArtifactsService } from '@mlops/registry';
import {
  keyValues,
  optionalInteger,
  optionalString,
  requiredString,
  stringList,
  toDouble,
} from '../common/request-values.js';
import { RegistryError } from '@mlops/registry';
import { decodePageToken, encodePageToken, parseRunFilter, parseRunOrder } from '@mlops/registry';
import { ARTIFACT_SCHEME_PREFIX, TrackingService } from '@mlops/registry';
import type { Experiment, Metric, Run, RunInfo, ViewType } from '@mlops/registry';
import { RegistryErrorFilter } from '../common/registry-error.filter.js';

type Json = Record<string, unknown>;

/** The run's folder in the artifact map: `<experiment>/<run>/artifacts` for `mlflow-artifacts:/` runs. */
function artifactRootOf(info: RunInfo): string {
  if (info.artifactUri.startsWith(ARTIFACT_SCHEME_PREFIX)) return info.artifactUri.slice(ARTIFACT_SCHEME_PREFIX.length).replace(/^\/+/, '');
  return `${info.experimentId}/${info.runId}/artifacts`;
}

function metricsOf(body: Json): Metric[] {
  const raw = body?.['metrics'];
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw RegistryError.invalid("'metrics' must be a list of {key, value, timestamp?, step?}");
  const now = Date.now();
  return (raw as Json[]).map((m) => ({
    key: requiredString(m, 'key'),
    value: toDouble(m?.['value'], 'value'),
    timestamp: optionalInteger(m, 'timestamp') ?? now,
    step: optionalInteger(m, 'step') ?? 0,
  }));
}

/** The platform's own tracking API (`/api/v1`): camelCase JSON of the domain records. */
@UseFilters(RegistryErrorFilter)
@Controller('api/v1')
export class TrackingController {
  constructor(
    private readonly tracking: TrackingService,
    private readonly artifacts: ArtifactsService,
  ) {}

  @Post('experiments')
  createExperiment(@Body() b: Json): Promise<Experiment> {
    return this.tracking.createExperiment(requiredString(b, 'name'), optionalString(b, 'artifactLocation'), keyValues(b, 'tags'));
  }

  @Get('experiments')
  async experiments(@Query() q: Json): Promise<Json> {
    const name = optionalString(q, 'name');
    if (name !== undefined) return { experiments: [await this.tracking.getExperimentByName(name)] };
    return { experiments: await this.tracking.searchExperiments({ viewType: 'ACTIVE_ONLY', maxResults: 1000, offset: 0 }) };
  }

  @Get('experiments/:id')
  experiment(@Param('id') id: string): Promise<Experiment> {
    return this.tracking.getExperiment(id);
  }

  @Post('runs')
  createRun(@Body() b: Json): Promise<Run> {
    return this.tracking.createRun({
      experimentId: requiredString(b, 'experimentId'),
      runName: optionalString(b, 'runName'),
      userId: optionalString(b, 'userId'),
      startTime: optionalInteger(b, 'startTime'),
      tags: keyValues(b, 'tags'),
    });
  }

  @Get('runs/:runId')
  run(@Param('runId') runId: string): Promise<Run> {
    return this.tracking.getRun(runId);
  }

  @Patch('runs/:runId')
  updateRun(@Param('runId') runId: string, @Body() b: Json): Promise<RunInfo> {
    return this.tracking.updateRun(runId, {
      status: optionalString(b, 'status'),
      endTime: optionalInteger(b, 'endTime'),
      runName: optionalString(b, 'runName'),
    });
  }

  /** Log-batch: `{ metrics, params, tags }` in one transaction (limits 1000 / 100 / 100, 1000 in all). */
  @HttpCode(200)
  @Post('runs/:runId/log-batch')
  async logBatch(@Param('runId') runId: string, @Body() b: Json): Promise<Json> {
    await this.tracking.logBatch(runId, { metrics: metricsOf(b), params: keyValues(b, 'params'), tags: keyValues(b, 'tags') });
    return {};
  }

  @Get('runs/:runId/metrics/:key/history')
  async history(@Param('runId') runId: string, @Param('key') key: string): Promise<Json> {
    return { metrics: await this.tracking.metricHistory(runId, key) };
  }

  /** `{ experimentIds, filter, orderBy, maxResults, pageToken, viewType }` -> `{ runs, nextPageToken? }`. */
  @HttpCode(200)
  @Post('runs/search')
  async search(@Body() b: Json): Promise<Json> {
    const max = optionalInteger(b, 'maxResults') ?? 1000;
    if (max < 1 || max > 50000) throw RegistryError.invalid(`maxResults ${max} must be between 1 and 50000`);
    const offset = decodePageToken(optionalString(b, 'pageToken'));
    const runs = await this.tracking.searchRuns({
      experimentIds: stringList(b, 'experimentIds'),
      clauses: parseRunFilter(optionalString(b, 'filter')),
      viewType: (optionalString(b, 'viewType') ?? 'ACTIVE_ONLY') as ViewType,
      orderBy: parseRunOrder(stringList(b, 'orderBy')),
      maxResults: max,
      offset,
    });
    return { runs: runs.slice(0, max), ...(runs.length > max ? { nextPageToken: encodePageToken(offset + max) } : {}) };
  }

  /** Upload an artifact of the run (raw body); answers its digest, the address in the content store. */
  @Put('runs/:runId/artifacts/*')
  async putArtifact(@Param('runId') runId: string, @Req() req: FastifyRequest): Promise<Json> {
    const run = await this.tracking.getRun(runId);
    const rel = pathAfter(req.url, `/api/v1/runs/${runId}/artifacts`);
    const stored = await this.artifacts.put(`${artifactRootOf(run.info)}/${rel}`, bodyBytes(req.body));
    return { path: rel, digest: stored.digest, size: stored.size };
  }

  @Get('runs/:runId/artifacts/*')
  async getArtifact(@Param('runId') runId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const run = await this.tracking.getRun(runId);
    const rel = pathAfter(req.url, `/api/v1/runs/${runId}/artifacts`);
    const found = await this.artifacts.get(`${artifactRootOf(run.info)}/${rel}`);
    await reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', found.size)
      .header('x-content-digest', `sha256:${found.digest}`)
      .send(found.stream);
  }

  @Get('runs/:runId/artifacts')
  async listArtifacts(@Param('runId') runId: string, @Query() q: Json): Promise<Json> {
    const run = await this.tracking.getRun(runId);
    const root = artifactRootOf(run.info);
    const sub = optionalString(q, 'path');
    return { files: await this.artifacts.list(sub ? `${root}/${sub}` : root, root) };
  }
}
