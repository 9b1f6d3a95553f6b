import { Body, Controller, Delete, Get, Headers, Param, ParseIntPipe, Post, Put, Query, Res, UseFilters, HttpCode } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ArtifactsService } from '@mlops/registry';
import {
  keyValues,
  optionalBoolean,
  optionalInteger,
  optionalString,
  requiredInteger,
  requiredString,
} from '../common/request-values.js';
import { RegistryError } from '@mlops/registry';
import { ModelRegistryService, type RollbackResult } from '@mlops/registry';
import type { ModelVersion, RegisteredModel, StageTransition } from '@mlops/registry';
import { RegistryErrorFilter } from '../common/registry-error.filter.js';

type Json = Record<string, unknown>;

function numberRecord(value: unknown, name: string): Record<string, number> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw RegistryError.invalid(`'${name}' must be an object of numbers`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'number') throw RegistryError.invalid(`'${name}.${k}' must be a number`);
  }
  return value as Record<string, number>;
}

function optionalNumber(b: Json, name: string): number | undefined {
  const v = b?.[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw RegistryError.invalid(`'${name}' must be a number`);
  return v;
}

/** The platform's own model-registry API (`/api/v1/models`): versions, stages, aliases, rollback, history. */
@UseFilters(RegistryErrorFilter)
@Controller('api/v1/models')
export class ModelRegistryController {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly artifacts: ArtifactsService,
  ) {}

  @Post()
  create(@Body() b: Json): Promise<RegisteredModel> {
    return this.registry.createModel(requiredString(b, 'name'), optionalString(b, 'description'), keyValues(b, 'tags'));
  }

  @Get()
  async list(@Query() q: Json): Promise<Json> {
    const max = optionalInteger(q, 'maxResults') ?? 100;
    return { models: (await this.registry.searchModels({ maxResults: max, offset: 0 })).slice(0, max) };
  }

  @Get(':name')
  get(@Param('name') name: string): Promise<RegisteredModel> {
    return this.registry.getModel(name);
  }

  @Delete(':name')
  async remove(@Param('name') name: string): Promise<Json> {
    await this.registry.deleteModel(name);
    return {};
  }

  /**
   * Registers the next version: `{ source, runId, onnxArtifactPath | onnxDigest, checksum?, inputSchema,
   * metrics, threshold, description, tags }`.
   */
  @Post(':name/versions')
  createVersion(@Param('name') name: string, @Body() b: Json): Promise<ModelVersion> {
    return this.registry.createVersion(name, {
      source: optionalString(b, 'source'),
      runId: optionalString(b, 'runId'),
      runLink: optionalString(b, 'runLink'),
      description: optionalString(b, 'description'),
      onnxDigest: optionalString(b, 'onnxDigest'),
      onnxArtifactPath: optionalString(b, 'onnxArtifactPath'),
      checksum: optionalString(b, 'checksum'),
      inputSchema: b?.['inputSchema'],
      metrics: numberRecord(b?.['metrics'], 'metrics'),
      threshold: optionalNumber(b, 'threshold'),
      tags: keyValues(b, 'tags'),
    });
  }

  @Get(':name/versions')
  async versions(@Param('name') name: string): Promise<Json> {
    await this.registry.getModel(name);
    return { versions: (await this.registry.searchVersions({ name, maxResults: 100000, offset: 0 })).slice(0, 100000) };
  }

  @Get(':name/versions/:version')
  version(@Param('name') name: string, @Param('version', ParseIntPipe) version: number): Promise<ModelVersion> {
    return this.registry.getVersion(name, version);
  }

  /** The ONNX bytes of a version (header `x-content-digest: sha256:<hex>`). */
  @Get(':name/versions/:version/onnx')
  async onnx(
    @Param('name') name: string,
    @Param('version', ParseIntPipe) version: number,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const v = await this.registry.getVersion(name, version);
    if (v.onnxDigest === null) throw RegistryError.notFound(`Model Version (name=${name}, version=${version}) has no ONNX artifact`);
    const stream = await this.artifacts.openDigest(v.onnxDigest);
    await reply.header('content-type', 'application/octet-stream').header('x-content-digest', `sha256:${v.onnxDigest}`).send(stream);
  }

  /** `{ stage, archiveExistingVersions?, reason? }`; the actor comes from `actor` or the `x-actor` header. */
  @HttpCode(200)
  @Post(':name/versions/:version/stage')
  transition(
    @Param('name') name: string,
    @Param('version', ParseIntPipe) version: number,
    @Body() b: Json,
    @Headers('x-actor') actor?: string,
  ): Promise<ModelVersion> {
    return this.registry.transitionStage(name, version, {
      stage: requiredString(b, 'stage'),
      archiveExistingVersions: optionalBoolean(b, 'archiveExistingVersions'),
      actor: optionalString(b, 'actor') ?? actor,
      reason: optionalString(b, 'reason'),
    });
  }

  @Put(':name/aliases/:alias')
  async setAlias(
    @Param('name') name: string,
    @Param('alias') alias: string,
    @Body() b: Json,
    @Headers('x-actor') actor?: string,
  ): Promise<ModelVersion> {
    const version = requiredInteger(b, 'version');
    await this.registry.setAlias(name, alias, version, optionalString(b, 'actor') ?? actor);
    return this.registry.getVersion(name, version);
  }

  @Get(':name/aliases/:alias')
  alias(@Param('name') name: string, @Param('alias') alias: string): Promise<ModelVersion> {
    return this.registry.getVersionByAlias(name, alias);
  }

  @Delete(':name/aliases/:alias')
  async deleteAlias(@Param('name') name: string, @Param('alias') alias: string): Promise<Json> {
    await this.registry.deleteAlias(name, alias);
    return {};
  }

  /** The newest version in a stage (404 when none). */
  @Get(':name/stages/:stage')
  async stage(@Param('name') name: string, @Param('stage') stage: string): Promise<ModelVersion> {
    const found = await this.registry.latestInStage(name, stage);
    if (found === undefined) throw RegistryError.notFound(`No version of ${name} is in ${stage}`);
    return found;
  }

  /** `{ stage? = Production, reason?, actor? }`: the previous holder of the stage back, the current one archived. */
  @HttpCode(200)
  @Post(':name/rollback')
  rollback(@Param('name') name: string, @Body() b: Json, @Headers('x-actor') actor?: string): Promise<RollbackResult> {
    return this.registry.rollback(name, {
      stage: optionalString(b, 'stage'),
      reason: optionalString(b, 'reason'),
      actor: optionalString(b, 'actor') ?? actor,
    });
  }

  @Get(':name/history')
  async history(@Param('name') name: string): Promise<{ transitions: StageTransition[] }> {
    return { transitions: await this.registry.history(name) };
  }
}
