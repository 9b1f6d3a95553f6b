/**
 * The OpenAPI 3.1 description of the registry's own API (`/api/v1`), served at
 * `/api/v1/openapi.json`. Hand-written; a unit test checks that every route of the /api/v1
 * controllers is described here and that nothing here lacks a route. The MLflow-compatible routes
 * (`/api/2.0/mlflow/...`) follow MLflow's REST reference and are listed under `x-mlflow-compatible`.
 */

type Json = Record<string, unknown>;

const error = { $ref: '#/components/responses/Error' };
const json = (schema: Json): Json => ({ content: { 'application/json': { schema } } });
const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const pathParam = (name: string, schema: Json = { type: 'string' }): Json => ({ name, in: 'path', required: true, schema });
const nameP = pathParam('name');
const versionP = pathParam('version', { type: 'integer', minimum: 1 });

function op(summary: string, parameters: Json[], ok: Json, body?: Json, extra: Json = {}): Json {
  return {
    summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body !== undefined ? { requestBody: { required: true, ...json(body) } } : {}),
    responses: { '200': { description: 'OK', ...ok }, '400': error, '404': error },
    ...extra,
  };
}

const keyValueList = { type: 'array', items: ref('KeyValue') };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Registry service API',
    version: '1.0.0',
    description:
      'Experiment tracking (experiments, runs, write-once params, append-only metrics, tags, content-addressed artifacts) and the model registry (versions with ONNX digest and checksum, stages with archive-existing, aliases, rollback, history). Errors are `{ error_code, message }` as in MLflow.',
  },
  servers: [{ url: 'http://127.0.0.1:3005' }],
  paths: {
    '/api/v1/openapi.json': { get: op('This document', [], json({ type: 'object' })) },
    '/api/v1/experiments': {
      post: op('Create an experiment', [], json(ref('Experiment')), {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, artifactLocation: { type: 'string' }, tags: keyValueList },
      }),
      get: op(
        'List active experiments, or find one by name',
        [{ name: 'name', in: 'query', schema: { type: 'string' } }],
        json({ type: 'object', properties: { experiments: { type: 'array', items: ref('Experiment') } } }),
      ),
    },
    '/api/v1/experiments/{id}': { get: op('Get an experiment', [pathParam('id')], json(ref('Experiment'))) },
    '/api/v1/runs': {
      post: op('Create a run (RUNNING)', [], json(ref('Run')), {
        type: 'object',
        required: ['experimentId'],
        properties: {
          experimentId: { type: 'string' },
          runName: { type: 'string' },
          userId: { type: 'string' },
          startTime: { type: 'integer' },
          tags: keyValueList,
        },
      }),
    },
    '/api/v1/runs/search': {
      post: op(
        'Search runs: filter `metrics.auc > 0.9 and params.model = "LR"` (AND only), order by, page token',
        [],
        json({ type: 'object', properties: { runs: { type: 'array', items: ref('Run') }, nextPageToken: { type: 'string' } } }),
        {
          type: 'object',
          required: ['experimentIds'],
          properties: {
            experimentIds: { type: 'array', items: { type: 'string' } },
            filter: { type: 'string' },
            orderBy: { type: 'array', items: { type: 'string' } },
            maxResults: { type: 'integer', maximum: 50000 },
            pageToken: { type: 'string' },
            viewType: { enum: ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] },
          },
        },
      ),
    },
    '/api/v1/runs/{runId}': {
      get: op('Get a run with its params, latest metrics and tags', [pathParam('runId')], json(ref('Run'))),
      patch: op('Update status, end time or name', [pathParam('runId')], json(ref('RunInfo')), {
        type: 'object',
        properties: { status: { enum: ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] }, endTime: { type: 'integer' }, runName: { type: 'string' } },
      }),
    },
    '/api/v1/runs/{runId}/log-batch': {
      post: op(
        'Log metrics (append-only), params (write-once: another value is 400 INVALID_PARAMETER_VALUE) and tags in one transaction; at most 1000 metrics, 100 params, 100 tags, 1000 in all',
        [pathParam('runId')],
        json({ type: 'object' }),
        {
          type: 'object',
          properties: { metrics: { type: 'array', maxItems: 1000, items: ref('Metric') }, params: { ...keyValueList, maxItems: 100 }, tags: { ...keyValueList, maxItems: 100 } },
        },
      ),
    },
    '/api/v1/runs/{runId}/metrics/{key}/history': {
      get: op('Every value of a metric, by step', [pathParam('runId'), pathParam('key')], json({ type: 'object', properties: { metrics: { type: 'array', items: ref('Metric') } } })),
    },
    '/api/v1/runs/{runId}/artifacts': {
      get: op(
        'List the artifacts of a run (one folder level)',
        [pathParam('runId'), { name: 'path', in: 'query', schema: { type: 'string' } }],
        json({ type: 'object', properties: { files: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, isDir: { type: 'boolean' }, fileSize: { type: 'integer' } } } } } }),
      ),
    },
    '/api/v1/runs/{runId}/artifacts/{path}': {
      put: {
        summary: 'Upload an artifact (raw bytes); stored by sha256',
        parameters: [pathParam('runId'), pathParam('path')],
        requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
        responses: { '200': { description: 'Stored', ...json({ type: 'object', properties: { path: { type: 'string' }, digest: { type: 'string' }, size: { type: 'integer' } } }) }, '400': error, '404': error },
      },
      get: {
        summary: 'Download an artifact',
        parameters: [pathParam('runId'), pathParam('path')],
        responses: { '200': { description: 'The bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, '404': error },
      },
    },
    '/api/v1/models': {
      post: op('Create a registered model', [], json(ref('RegisteredModel')), {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' }, description: { type: 'string' }, tags: keyValueList },
      }),
      get: op('List registered models', [{ name: 'maxResults', in: 'query', schema: { type: 'integer' } }], json({ type: 'object', properties: { models: { type: 'array', items: ref('RegisteredModel') } } })),
    },
    '/api/v1/models/{name}': {
      get: op('Get a registered model (aliases, latest version per stage)', [nameP], json(ref('RegisteredModel'))),
      delete: op('Delete a registered model and its versions (the history stays)', [nameP], json({ type: 'object' })),
    },
    '/api/v1/models/{name}/versions': {
      post: op('Register the next version (number allocated atomically per model)', [nameP], json(ref('ModelVersion')), {
        type: 'object',
        properties: {
          source: { type: 'string' },
          runId: { type: 'string' },
          onnxArtifactPath: { type: 'string', description: "Path among the run's artifacts, e.g. model/model.onnx" },
          onnxDigest: { type: 'string', description: 'sha256 of ONNX bytes already in the store' },
          checksum: { type: 'string', description: 'sha256:<hex> expected; a mismatch is refused' },
          inputSchema: {},
          metrics: { type: 'object', additionalProperties: { type: 'number' } },
          threshold: { type: 'number', minimum: 0, maximum: 1 },
          description: { type: 'string' },
          tags: keyValueList,
        },
      }),
      get: op('All versions of a model, newest first', [nameP], json({ type: 'object', properties: { versions: { type: 'array', items: ref('ModelVersion') } } })),
    },
    '/api/v1/models/{name}/versions/{version}': { get: op('Get a version', [nameP, versionP], json(ref('ModelVersion'))) },
    '/api/v1/models/{name}/versions/{version}/onnx': {
      get: {
        summary: 'The ONNX bytes of a version (header x-content-digest)',
        parameters: [nameP, versionP],
        responses: { '200': { description: 'ONNX model', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, '404': error },
      },
    },
    '/api/v1/models/{name}/versions/{version}/stage': {
      post: op(
        'Transition to a stage; archiveExistingVersions archives the other versions of that stage in the same transaction (row lock on the model: concurrent promotions serialize). Publishes mlops.model.promoted.v1 after commit',
        [nameP, versionP, { name: 'x-actor', in: 'header', schema: { type: 'string' } }],
        json(ref('ModelVersion')),
        {
          type: 'object',
          required: ['stage'],
          properties: { stage: { enum: ['None', 'Staging', 'Production', 'Archived'] }, archiveExistingVersions: { type: 'boolean' }, reason: { type: 'string' }, actor: { type: 'string' } },
        },
      ),
    },
    '/api/v1/models/{name}/aliases/{alias}': {
      put: op('Point an alias (champion, challenger) at a version; unique per model', [nameP, pathParam('alias')], json(ref('ModelVersion')), {
        type: 'object',
        required: ['version'],
        properties: { version: { type: 'integer' }, actor: { type: 'string' } },
      }),
      get: op('The version an alias names', [nameP, pathParam('alias')], json(ref('ModelVersion'))),
      delete: op('Remove an alias', [nameP, pathParam('alias')], json({ type: 'object' })),
    },
    '/api/v1/models/{name}/stages/{stage}': {
      get: op('The newest version in a stage', [nameP, pathParam('stage', { enum: ['None', 'Staging', 'Production', 'Archived'] })], json(ref('ModelVersion'))),
    },
    '/api/v1/models/{name}/rollback': {
      post: op(
        'Roll a stage back in one call: the current holder to Archived, the previous holder back (champion alias follows); publishes mlops.model.rolled-back.v1 after commit',
        [nameP],
        json({ type: 'object', properties: { stage: { type: 'string' }, fromVersion: { type: 'integer' }, toVersion: ref('ModelVersion') } }),
        { type: 'object', properties: { stage: { enum: ['Staging', 'Production'], default: 'Production' }, reason: { type: 'string' }, actor: { type: 'string' } } },
        { responses: { '200': { description: 'Rolled back' }, '404': error, '409': error } },
      ),
    },
    '/api/v1/models/{name}/history': {
      get: op('Stage transition history (who, when, why), oldest first', [nameP], json({ type: 'object', properties: { transitions: { type: 'array', items: ref('StageTransition') } } })),
    },
  },
  components: {
    responses: {
      Error: {
        description: 'MLflow-shaped error',
        ...json({ type: 'object', required: ['error_code', 'message'], properties: { error_code: { enum: ['INVALID_PARAMETER_VALUE', 'RESOURCE_ALREADY_EXISTS', 'RESOURCE_DOES_NOT_EXIST', 'INVALID_STATE', 'ENDPOINT_NOT_FOUND', 'INTERNAL_ERROR'] }, message: { type: 'string' } } }),
      },
    },
    schemas: {
      KeyValue: { type: 'object', required: ['key', 'value'], properties: { key: { type: 'string', maxLength: 250 }, value: { type: 'string' } } },
      Metric: { type: 'object', required: ['key', 'value'], properties: { key: { type: 'string' }, value: { type: 'number' }, timestamp: { type: 'integer' }, step: { type: 'integer' } } },
      Experiment: {
        type: 'object',
        properties: { experimentId: { type: 'string' }, name: { type: 'string' }, artifactLocation: { type: 'string' }, lifecycleStage: { enum: ['active', 'deleted'] }, creationTime: { type: 'integer' }, lastUpdateTime: { type: 'integer' }, tags: keyValueList },
      },
      RunInfo: {
        type: 'object',
        properties: {
          runId: { type: 'string', pattern: '^[0-9a-f]{32}$' },
          experimentId: { type: 'string' },
          runName: { type: 'string' },
          userId: { type: 'string' },
          status: { enum: ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] },
          startTime: { type: 'integer' },
          endTime: { type: ['integer', 'null'] },
          artifactUri: { type: 'string' },
          lifecycleStage: { enum: ['active', 'deleted'] },
        },
      },
      Run: { type: 'object', properties: { info: ref('RunInfo'), metrics: { type: 'array', items: ref('Metric') }, params: keyValueList, tags: keyValueList } },
      ModelVersion: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          version: { type: 'integer' },
          source: { type: 'string' },
          runId: { type: ['string', 'null'] },
          status: { const: 'READY' },
          currentStage: { enum: ['None', 'Staging', 'Production', 'Archived'] },
          creationTime: { type: 'integer' },
          lastUpdatedTime: { type: 'integer' },
          onnxDigest: { type: ['string', 'null'] },
          checksum: { type: ['string', 'null'] },
          inputSchema: {},
          metrics: { type: ['object', 'null'] },
          threshold: { type: ['number', 'null'] },
          tags: keyValueList,
          aliases: { type: 'array', items: { type: 'string' } },
        },
      },
      RegisteredModel: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          description: { type: ['string', 'null'] },
          creationTime: { type: 'integer' },
          lastUpdatedTime: { type: 'integer' },
          tags: keyValueList,
          aliases: { type: 'array', items: { type: 'object', properties: { alias: { type: 'string' }, version: { type: 'integer' } } } },
          latestVersions: { type: 'array', items: ref('ModelVersion') },
        },
      },
      StageTransition: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          version: { type: 'integer' },
          fromStage: { type: 'string' },
          toStage: { type: 'string' },
          kind: { enum: ['transition', 'archive-existing', 'rollback'] },
          actor: { type: 'string' },
          reason: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
  'x-mlflow-compatible': {
    basePath: '/api/2.0/mlflow',
    artifactsBasePath: '/api/2.0/mlflow-artifacts/artifacts',
    reference: 'https://mlflow.org/docs/latest/rest-api.html',
  },
} as const;
