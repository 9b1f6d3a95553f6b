import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Query, UseFilters, HttpCode } from '@nestjs/common';
import {
  keyValues,
  optionalBoolean,
  optionalInteger,
  optionalString,
  requiredDouble,
  requiredInteger,
  requiredString,
  stringList,
  toDouble,
  type RequestValues,
} from '../common/request-values.js';
import { RegistryError, RegistryErrorCode } from '@mlops/registry';
import { ModelRegistryService } from '@mlops/registry';
import { decodePageToken, encodePageToken, parseRunFilter, parseRunOrder } from '@mlops/registry';
import { TrackingService } from '@mlops/registry';
import type { Metric, ViewType } from '@mlops/registry';
import {
  mlflowExperiment,
  mlflowMetric,
  mlflowModelVersion,
  mlflowRegisteredModel,
  mlflowRun,
  mlflowRunInfo,
} from './mlflow.mapper.js';
import { parseNameFilter, parseVersionFilter } from './search-filters.js';
import { RegistryErrorFilter } from '../common/registry-error.filter.js';

type Json = Record<string, unknown>;
const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

function viewType(values: RequestValues, name: string): ViewType {
  const raw = optionalString(values, name) ?? 'ACTIVE_ONLY';
  if (!(VIEW_TYPES as readonly string[]).includes(raw)) {
    throw RegistryError.invalid(`Invalid value '${raw}' for parameter '${name}': expected ${VIEW_TYPES.join(', ')}`);
  }
  return raw as ViewType;
}

function maxResults(values: RequestValues, fallback: number, limit: number): number {
  const n = optionalInteger(values, 'max_results') ?? fallback;
  if (n < 1 || n > limit) {
    throw RegistryError.invalid(`Invalid value ${n} for parameter 'max_results' supplied. It must be between 1 and ${limit}.`);
  }
  return n;
}

/** `{ key: items }` plus `next_page_token` when the store returned one more than asked for. */
function page<T>(key: string, items: readonly T[], max: number, offset: number, map: (t: T) => Json): Json {
  const shown = items.slice(0, max).map(map);
  return { ...(shown.length > 0 ? { [key]: shown } : {}), ...(items.length > max ? { next_page_token: encodePageToken(offset + max) } : {}) };
}

function metricOf(values: RequestValues, fallbackTime: number): Metric {
  return {
    key: requiredString(values, 'key'),
    value: requiredDouble(values, 'value'),
    timestamp: optionalInteger(values, 'timestamp') ?? fallbackTime,
    step: optionalInteger(values, 'step') ?? 0,
  };
}

function runIdOf(values: RequestValues): string {
  return optionalString(values, 'run_id') ?? requiredString(values, 'run_uuid');
}

/**
 * The MLflow tracking and model-registry REST API subset (`/api/2.0/mlflow/...`) that the official
 * Python client uses, with MLflow's request fields, response shapes and error codes.
 */
@UseFilters(RegistryErrorFilter)
@Controller('api/2.0/mlflow')
export class MlflowController {
  constructor(
    private readonly tracking: TrackingService,
    private readonly registry: ModelRegistryService,
  ) {}

  // ---- experiments
  @Get('experiments/get-by-name')
  async experimentByName(@Query() q: Json): Promise<Json> {
    return { experiment: mlflowExperiment(await this.tracking.getExperimentByName(requiredString(q, 'experiment_name'))) };
  }

  @HttpCode(200)
  @Post('experiments/create')
  async createExperiment(@Body() b: Json): Promise<Json> {
    const e = await this.tracking.createExperiment(requiredString(b, 'name'), optionalString(b, 'artifact_location'), keyValues(b, 'tags'));
    return { experiment_id: e.experimentId };
  }

  @Get('experiments/get')
  async getExperiment(@Query() q: Json): Promise<Json> {
    return { experiment: mlflowExperiment(await this.tracking.getExperiment(requiredString(q, 'experiment_id'))) };
  }

  @HttpCode(200)
  @Post('experiments/search')
  searchExperimentsPost(@Body() b: Json): Promise<Json> {
    return this.searchExperiments(b);
  }

  @Get('experiments/search')
  async searchExperiments(@Query() q: Json): Promise<Json> {
    const max = maxResults(q, 1000, 50000);
    const offset = decodePageToken(optionalString(q, 'page_token'));
    const found = await this.tracking.searchExperiments({
      viewType: viewType(q, 'view_type'),
      nameLike: parseNameFilter(optionalString(q, 'filter')),
      maxResults: max,
      offset,
    });
    return page('experiments', found, max, offset, mlflowExperiment);
  }

  @HttpCode(200)
  @Post('experiments/delete')
  async deleteExperiment(@Body() b: Json): Promise<Json> {
    await this.tracking.deleteExperiment(requiredString(b, 'experiment_id'));
    return {};
  }

  @HttpCode(200)
  @Post('experiments/set-experiment-tag')
  async setExperimentTag(@Body() b: Json): Promise<Json> {
    await this.tracking.setExperimentTag(requiredString(b, 'experiment_id'), {
      key: requiredString(b, 'key'),
      value: optionalString(b, 'value') ?? '',
    });
    return {};
  }

  // ---- runs
  @HttpCode(200)
  @Post('runs/create')
  async createRun(@Body() b: Json): Promise<Json> {
    const run = await this.tracking.createRun({
      experimentId: optionalString(b, 'experiment_id') ?? '0',
      runName: optionalString(b, 'run_name'),
      userId: optionalString(b, 'user_id'),
      startTime: optionalInteger(b, 'start_time'),
      tags: keyValues(b, 'tags'),
    });
    return { run: mlflowRun(run) };
  }

  @HttpCode(200)
  @Post('runs/update')
  async updateRun(@Body() b: Json): Promise<Json> {
    const info = await this.tracking.updateRun(runIdOf(b), {
      status: optionalString(b, 'status'),
      endTime: optionalInteger(b, 'end_time'),
      runName: optionalString(b, 'run_name'),
    });
    return { run_info: mlflowRunInfo(info) };
  }

  @Get('runs/get')
  async getRun(@Query() q: Json): Promise<Json> {
    return { run: mlflowRun(await this.tracking.getRun(runIdOf(q))) };
  }

  @HttpCode(200)
  @Post('runs/delete')
  async deleteRun(@Body() b: Json): Promise<Json> {
    await this.tracking.deleteRun(requiredString(b, 'run_id'));
    return {};
  }

  @HttpCode(200)
  @Post('runs/restore')
  async restoreRun(@Body() b: Json): Promise<Json> {
    await this.tracking.restoreRun(requiredString(b, 'run_id'));
    return {};
  }

  @HttpCode(200)
  @Post('runs/log-parameter')
  async logParam(@Body() b: Json): Promise<Json> {
    await this.tracking.logParam(runIdOf(b), { key: requiredString(b, 'key'), value: optionalString(b, 'value') ?? '' });
    return {};
  }

  @HttpCode(200)
  @Post('runs/log-metric')
  async logMetric(@Body() b: Json): Promise<Json> {
    await this.tracking.logMetric(runIdOf(b), metricOf(b, Date.now()));
    return {};
  }

  @HttpCode(200)
  @Post('runs/set-tag')
  async setTag(@Body() b: Json): Promise<Json> {
    await this.tracking.setTag(runIdOf(b), { key: requiredString(b, 'key'), value: optionalString(b, 'value') ?? '' });
    return {};
  }

  @HttpCode(200)
  @Post('runs/log-batch')
  async logBatch(@Body() b: Json): Promise<Json> {
    const now = Date.now();
    const rawMetrics = b?.['metrics'];
    if (rawMetrics !== undefined && !Array.isArray(rawMetrics)) throw RegistryError.invalid("Parameter 'metrics' must be a list");
    const metrics = ((rawMetrics ?? []) as Json[]).map((m) => ({
      key: requiredString(m, 'key'),
      value: toDouble(m?.['value'], 'value'),
      timestamp: optionalInteger(m, 'timestamp') ?? now,
      step: optionalInteger(m, 'step') ?? 0,
    }));
    await this.tracking.logBatch(requiredString(b, 'run_id'), {
      metrics,
      params: keyValues(b, 'params'),
      tags: keyValues(b, 'tags'),
    });
    return {};
  }

  @HttpCode(200)
  @Post('runs/search')
  async searchRuns(@Body() b: Json): Promise<Json> {
    const max = maxResults(b, 1000, 50000);
    const offset = decodePageToken(optionalString(b, 'page_token'));
    const runs = await this.tracking.searchRuns({
      experimentIds: stringList(b, 'experiment_ids'),
      clauses: parseRunFilter(optionalString(b, 'filter')),
      viewType: viewType(b, 'run_view_type'),
      orderBy: parseRunOrder(stringList(b, 'order_by')),
      maxResults: max,
      offset,
    });
    return page('runs', runs, max, offset, mlflowRun);
  }

  @Get('metrics/get-history')
  async metricHistory(@Query() q: Json): Promise<Json> {
    const metrics = await this.tracking.metricHistory(runIdOf(q), requiredString(q, 'metric_key'));
    return metrics.length > 0 ? { metrics: metrics.map(mlflowMetric) } : {};
  }

  // ---- logged models (MLflow 3): not kept here. The client searches them when it lists or
  // downloads run artifacts (to find a model logged from the run); the answer is "none", so it
  // falls back to the run's own artifacts. `log_model` needs to create one: refused, NOT_IMPLEMENTED.
  @HttpCode(200)
  @Post('logged-models/search')
  searchLoggedModels(): Json {
    return {};
  }

  @HttpCode(200)
  @Post('logged-models')
  createLoggedModel(): Json {
    throw new RegistryError(
      RegistryErrorCode.NotImplemented,
      'Logged models (MLflow 3 log_model) are not supported by this registry: log the model files with log_artifacts and register a version with create_model_version',
    );
  }

  @Get('logged-models/:modelId')
  getLoggedModel(@Param('modelId') modelId: string): Json {
    throw RegistryError.notFound(`Logged model with ID '${modelId}' not found.`);
  }

  // ---- registered models
  @HttpCode(200)
  @Post('registered-models/create')
  async createModel(@Body() b: Json): Promise<Json> {
    const m = await this.registry.createModel(requiredString(b, 'name'), optionalString(b, 'description'), keyValues(b, 'tags'));
    return { registered_model: mlflowRegisteredModel(m) };
  }

  @Get('registered-models/get')
  async getModel(@Query() q: Json): Promise<Json> {
    return { registered_model: mlflowRegisteredModel(await this.registry.getModel(requiredString(q, 'name'))) };
  }

  @Get('registered-models/search')
  async searchModels(@Query() q: Json): Promise<Json> {
    const max = maxResults(q, 100, 1000);
    const offset = decodePageToken(optionalString(q, 'page_token'));
    const found = await this.registry.searchModels({ nameLike: parseNameFilter(optionalString(q, 'filter')), maxResults: max, offset });
    return page('registered_models', found, max, offset, mlflowRegisteredModel);
  }

  @Patch('registered-models/update')
  async updateModel(@Body() b: Json): Promise<Json> {
    const m = await this.registry.updateModel(requiredString(b, 'name'), optionalString(b, 'description'));
    return { registered_model: mlflowRegisteredModel(m) };
  }

  @Delete('registered-models/delete')
  async deleteModel(@Body() b: Json, @Query() q: Json): Promise<Json> {
    await this.registry.deleteModel(requiredString(b && Object.keys(b).length > 0 ? b : q, 'name'));
    return {};
  }

  @HttpCode(200)
  @Post('registered-models/set-tag')
  async setModelTag(@Body() b: Json): Promise<Json> {
    await this.registry.setModelTag(requiredString(b, 'name'), { key: requiredString(b, 'key'), value: optionalString(b, 'value') ?? '' });
    return {};
  }

  @HttpCode(200)
  @Post('registered-models/get-latest-versions')
  async latestVersionsPost(@Body() b: Json): Promise<Json> {
    return this.latestVersions(b);
  }

  @Get('registered-models/get-latest-versions')
  async latestVersions(@Query() q: Json): Promise<Json> {
    const model = await this.registry.getModel(requiredString(q, 'name'));
    const stages = stringList(q, 'stages').map((s) => s.toLowerCase());
    const versions = model.latestVersions.filter((v) => stages.length === 0 || stages.includes(v.currentStage.toLowerCase()));
    return versions.length > 0 ? { model_versions: versions.map(mlflowModelVersion) } : {};
  }

  @HttpCode(200)
  @Post('registered-models/alias')
  async setAlias(@Body() b: Json, @Headers('x-actor') actor?: string): Promise<Json> {
    await this.registry.setAlias(requiredString(b, 'name'), requiredString(b, 'alias'), requiredInteger(b, 'version'), actor ?? 'mlflow-client');
    return {};
  }

  @Delete('registered-models/alias')
  async deleteAlias(@Body() b: Json, @Query() q: Json): Promise<Json> {
    const values = b && Object.keys(b).length > 0 ? b : q;
    await this.registry.deleteAlias(requiredString(values, 'name'), requiredString(values, 'alias'));
    return {};
  }

  @Get('registered-models/alias')
  async getAlias(@Query() q: Json): Promise<Json> {
    const v = await this.registry.getVersionByAlias(requiredString(q, 'name'), requiredString(q, 'alias'));
    return { model_version: mlflowModelVersion(v) };
  }

  // ---- model versions
  @HttpCode(200)
  @Post('model-versions/create')
  async createVersion(@Body() b: Json): Promise<Json> {
    const v = await this.registry.createVersion(requiredString(b, 'name'), {
      source: optionalString(b, 'source'),
      runId: optionalString(b, 'run_id'),
      runLink: optionalString(b, 'run_link'),
      description: optionalString(b, 'description'),
      tags: keyValues(b, 'tags'),
    });
    return { model_version: mlflowModelVersion(v) };
  }

  @Get('model-versions/get')
  async getVersion(@Query() q: Json): Promise<Json> {
    return { model_version: mlflowModelVersion(await this.registry.getVersion(requiredString(q, 'name'), requiredInteger(q, 'version'))) };
  }

  @HttpCode(200)
  @Post('model-versions/transition-stage')
  async transitionStage(@Body() b: Json, @Headers('x-actor') actor?: string): Promise<Json> {
    const v = await this.registry.transitionStage(requiredString(b, 'name'), requiredInteger(b, 'version'), {
      stage: requiredString(b, 'stage'),
      archiveExistingVersions: optionalBoolean(b, 'archive_existing_versions'),
      actor: actor ?? 'mlflow-client',
      reason: optionalString(b, 'comment'),
    });
    return { model_version: mlflowModelVersion(v) };
  }

  @Get('model-versions/search')
  async searchVersions(@Query() q: Json): Promise<Json> {
    const max = maxResults(q, 10000, 200000);
    const offset = decodePageToken(optionalString(q, 'page_token'));
    const filter = parseVersionFilter(optionalString(q, 'filter'));
    const found = await this.registry.searchVersions({ ...filter, maxResults: max, offset });
    return page('model_versions', found, max, offset, mlflowModelVersion);
  }

  @Patch('model-versions/update')
  async updateVersion(@Body() b: Json): Promise<Json> {
    const v = await this.registry.updateVersion(requiredString(b, 'name'), requiredInteger(b, 'version'), optionalString(b, 'description'));
    return { model_version: mlflowModelVersion(v) };
  }

  @Delete('model-versions/delete')
  async deleteVersion(@Body() b: Json, @Query() q: Json): Promise<Json> {
    const values = b && Object.keys(b).length > 0 ? b : q;
    await this.registry.deleteVersion(requiredString(values, 'name'), requiredInteger(values, 'version'));
    return {};
  }

  @HttpCode(200)
  @Post('model-versions/set-tag')
  async setVersionTag(@Body() b: Json): Promise<Json> {
    await this.registry.setVersionTag(requiredString(b, 'name'), requiredInteger(b, 'version'), {
      key: requiredString(b, 'key'),
      value: optionalString(b, 'value') ?? '',
    });
    return {};
  }

  @Get('model-versions/get-download-uri')
  async downloadUri(@Query() q: Json): Promise<Json> {
    const v = await this.registry.getVersion(requiredString(q, 'name'), requiredInteger(q, 'version'));
    return { artifact_uri: v.source };
  }
}
