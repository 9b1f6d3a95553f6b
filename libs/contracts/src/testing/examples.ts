import type { PayloadOf, TopicContract } from '../core/topic.js';
import type { KnownTopicName, TopicOfName } from '../registry/topics.js';

/**
 * One valid example payload per topic, realistic values from the Telco churn pipeline. Typed
 * against the schemas, so a schema change that breaks them fails the type check; the contracts
 * spec checks that each one parses. Handy in other libraries' tests and in docs.
 */
export type ExamplePayloads = { readonly [N in KnownTopicName]: PayloadOf<TopicOfName<N>> };

const ids = {
  dataset: 'cfc763f7-e8dc-4aa4-b79b-bb27d403c91b',
  reference: '10e6591b-3f38-4909-9136-acc14cff6665',
  trainingJob: '4e4fb6fe-9183-40af-8b8f-2b53857bf619',
  ping: 'b2498e1d-698e-44a0-ab61-c01594e6cfe3',
  check: 'af42e42e-9c1c-4e20-9106-e85d36eaaa42',
  experiment: '2a7aefd0-6d41-453a-a71e-2a869269e2c7',
  batch: 'eaf5ed0e-8963-4548-9c8d-63deae2098af',
  request1: '028c66b2-46b4-4b94-9d25-dacb504b0197',
  request2: '851291f7-6641-477e-a49e-7d012e6ac1a8',
  run: '5f0c6a2e9b8d4c1fa3e7d6b5c4a39281',
  candidateRun: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
} as const;

const contentHash = '3a4504e28aa94444e45e863c10375d676ad522b17601ea633b48928e6969a5dc';

/** The first row of data/raw/customer_data.csv, as raw columns (without customer_id and churn). */
const telcoRow = {
  gender: 'Female',
  senior_citizen: 0,
  partner: 'Yes',
  dependents: 'No',
  tenure: 1,
  phone_service: 'No',
  multiple_lines: 'No phone service',
  internet_service: 'DSL',
  online_security: 'No',
  online_backup: 'Yes',
  device_protection: 'No',
  tech_support: 'No',
  streaming_tv: 'No',
  streaming_movies: 'No',
  contract: 'Month-to-month',
  paperless_billing: 'Yes',
  payment_method: 'Electronic check',
  monthly_charges: 29.85,
  total_charges: 29.85,
};

const telcoColumns = [
  { name: 'customer_id', type: 'string' },
  { name: 'gender', type: 'string' },
  { name: 'senior_citizen', type: 'integer' },
  { name: 'partner', type: 'string' },
  { name: 'dependents', type: 'string' },
  { name: 'tenure', type: 'integer' },
  { name: 'phone_service', type: 'string' },
  { name: 'multiple_lines', type: 'string' },
  { name: 'internet_service', type: 'string' },
  { name: 'online_security', type: 'string' },
  { name: 'online_backup', type: 'string' },
  { name: 'device_protection', type: 'string' },
  { name: 'tech_support', type: 'string' },
  { name: 'streaming_tv', type: 'string' },
  { name: 'streaming_movies', type: 'string' },
  { name: 'contract', type: 'string' },
  { name: 'paperless_billing', type: 'string' },
  { name: 'payment_method', type: 'string' },
  { name: 'monthly_charges', type: 'float' },
  { name: 'total_charges', type: 'float' },
  { name: 'churn', type: 'string' },
] as const;

const driftColumns = [
  { column: 'tenure', test: 'wasserstein', statistic: 0.31, threshold: 0.1, drifted: true },
  { column: 'monthly_charges', test: 'wasserstein', statistic: 0.27, threshold: 0.1, drifted: true },
  { column: 'contract', test: 'jensenshannon', statistic: 0.02, threshold: 0.1, drifted: false },
  { column: 'senior_citizen', test: 'jensenshannon', statistic: 0.01, threshold: 0.1, drifted: false },
] as const;

const metrics = { roc_auc: 0.8412, accuracy: 0.7984, precision: 0.6531, recall: 0.5472, f1_score: 0.5955 };

const examples: ExamplePayloads = {
  'mlops.system.ping.v1': { pingId: ids.ping, requestedBy: 'ops-cli', sentAt: '2026-03-01T12:00:00.000Z' },
  'mlops.system.pong.v1': {
    pingId: ids.ping,
    service: 'ingestion',
    version: '0.1.0',
    instanceId: 'ingestion-7f9c-4121',
    uptimeSeconds: 3605.2,
    subscribedTopics: ['mlops.system.ping.v1', 'mlops.data.record.v1'],
    consumerLag: [
      { topic: 'mlops.system.ping.v1', partition: 0, lag: 0 },
      { topic: 'mlops.data.record.v1', partition: 2, lag: 17 },
    ],
    healthy: true,
  },
  'mlops.data.ingested.v1': {
    datasetId: ids.dataset,
    datasetName: 'telco-customers',
    version: 3,
    contentHash,
    rowCount: 7043,
    quarantinedCount: 0,
    columns: [...telcoColumns],
    source: { kind: 'upload', fileName: 'customer_data.csv', sizeBytes: 977501 },
    storedAt: '2026-03-01T12:00:05.120Z',
  },
  'mlops.data.record.v1': {
    customerId: '0001-AAAA',
    datasetName: 'telco-customers',
    values: { ...telcoRow, total_charges: null },
  },
  'mlops.data.validation-completed.v1': {
    datasetId: ids.dataset,
    suiteName: 'telco_customers',
    passed: false,
    statistics: { evaluated: 12, successful: 11, unsuccessful: 1 },
    failingExpectations: [
      {
        expectationType: 'expect_column_pair_values_a_to_be_greater_than_b',
        columns: ['total_charges', 'monthly_charges'],
        unexpectedCount: 85,
        unexpectedPercent: 1.21,
      },
    ],
    validatedAt: '2026-03-01T12:00:09.000Z',
  },
  'mlops.data.drift-checked.v1': {
    checkId: ids.check,
    datasetId: ids.dataset,
    referenceId: ids.reference,
    driftedShare: 0.5,
    driftShareThreshold: 0.5,
    datasetDrift: true,
    columns: [...driftColumns],
    checkedAt: '2026-03-01T12:00:12.000Z',
  },
  'mlops.data.drift-detected.v1': {
    checkId: ids.check,
    datasetId: ids.dataset,
    referenceId: ids.reference,
    driftedShare: 0.5,
    driftShareThreshold: 0.5,
    datasetDrift: true,
    columns: [...driftColumns],
    driftedColumns: ['tenure', 'monthly_charges'],
    detectedAt: '2026-03-01T12:00:12.000Z',
  },
  'mlops.features.materialized.v1': {
    datasetId: ids.dataset,
    featureView: 'customer_features',
    entityCount: 7043,
    featureNames: [
      'tenure',
      'monthly_charges',
      'total_amount',
      'avg_monthly_charges',
      'tenure_category',
      'is_high_risk',
    ],
    materializedAt: '2026-03-01T12:00:15.000Z',
  },
  'mlops.training.requested.v1': {
    trainingJobId: ids.trainingJob,
    datasetId: ids.dataset,
    config: {
      models: ['xgboost', 'lightgbm', 'random_forest'],
      tuning: { enabled: true, nTrials: 50 },
      sampleRatio: 0.1,
      registerBest: true,
      promoteTo: 'Staging',
    },
    requestedBy: 'ops-cli',
    reason: 'manual',
    requestedAt: '2026-03-01T12:01:00.000Z',
  },
  'mlops.training.progress.v1': {
    trainingJobId: ids.trainingJob,
    model: 'xgboost',
    phase: 'final_fit',
    round: 42,
    totalRounds: 100,
    trainLoss: 0.4012,
    validLoss: 0.4237,
    validAuc: 0.8398,
  },
  'mlops.training.completed.v1': {
    trainingJobId: ids.trainingJob,
    datasetId: ids.dataset,
    runId: ids.run,
    bestModel: 'xgboost',
    metrics,
    threshold: 0.34,
    durationSeconds: 48.7,
    candidates: [
      { model: 'xgboost', runId: ids.run, metrics },
      { model: 'random_forest', runId: ids.candidateRun, metrics: { roc_auc: 0.8297, accuracy: 0.7913 } },
    ],
  },
  'mlops.training.failed.v1': {
    trainingJobId: ids.trainingJob,
    stage: 'loading_data',
    errorType: 'DatasetNotValidatedError',
    errorMessage: `dataset ${ids.dataset} failed validation (suite telco_customers); fix the data and ingest it again`,
    retriable: false,
  },
  'mlops.model.registered.v1': {
    modelName: 'churn-predictor',
    version: 4,
    runId: ids.run,
    trainingJobId: ids.trainingJob,
    algorithm: 'xgboost',
    artifactUri: `cas:sha256/${contentHash}`,
    checksum: contentHash,
    inputSchema: telcoColumns.filter((c) => c.name !== 'customer_id' && c.name !== 'churn'),
    metrics,
    threshold: 0.34,
    registeredAt: '2026-03-01T12:02:00.000Z',
  },
  'mlops.model.rejected.v1': {
    modelName: 'churn-predictor',
    runId: ids.run,
    trainingJobId: ids.trainingJob,
    reasons: [
      {
        check: 'min_recall',
        expected: 0.65,
        actual: 0.5472,
        message: 'recall 0.5472 is below min_recall 0.65 at threshold 0.34',
      },
    ],
  },
  'mlops.model.promoted.v1': {
    modelName: 'churn-predictor',
    version: 4,
    fromStage: 'None',
    toStage: 'Staging',
    alias: 'challenger',
    archivedVersions: [2],
    promotedBy: 'training',
    reason: 'passed the validation gate',
  },
  'mlops.model.rolled-back.v1': {
    modelName: 'churn-predictor',
    fromVersion: 4,
    toVersion: 3,
    stage: 'Production',
    reason: 'experiment 2a7aefd0 concluded: challenger worse on log_loss',
    actor: 'experiments',
  },
  'mlops.prediction.served.v1': {
    batchId: ids.batch,
    predictions: [
      {
        requestId: ids.request1,
        customerId: '0001-AAAA',
        modelName: 'churn-predictor',
        modelVersion: 3,
        variant: 'champion',
        experimentId: ids.experiment,
        probability: 0.7123,
        label: 1,
        threshold: 0.34,
        latencyMs: 0.42,
        features: telcoRow,
        servedAt: '2026-03-01T12:10:00.001Z',
      },
      {
        requestId: ids.request2,
        modelName: 'churn-predictor',
        modelVersion: 4,
        variant: 'shadow',
        experimentId: ids.experiment,
        probability: 0.2875,
        label: 0,
        threshold: 0.34,
        latencyMs: 0.39,
        features: { ...telcoRow, contract: 'Two year', tenure: 60 },
        servedAt: '2026-03-01T12:10:00.004Z',
      },
    ],
  },
  'mlops.outcome.observed.v1': {
    customerId: '0001-AAAA',
    churned: true,
    observedAt: '2026-04-01T00:00:00.000Z',
    predictionRequestId: ids.request1,
  },
  'mlops.experiment.started.v1': {
    experimentId: ids.experiment,
    name: 'xgboost v4 canary',
    modelName: 'churn-predictor',
    championVersion: 3,
    challengerVersion: 4,
    trafficShare: 0.1,
    mode: 'canary',
    metric: 'log_loss',
    startedAt: '2026-03-01T12:05:00.000Z',
  },
  'mlops.experiment.concluded.v1': {
    experimentId: ids.experiment,
    winner: 'champion',
    decision: 'rollback',
    statistics: {
      pValue: 0.012,
      effect: 0.031,
      srmPValue: 0.64,
      samples: { champion: 9012, challenger: 988 },
    },
    concludedAt: '2026-03-08T12:05:00.000Z',
  },
  'mlops.pipeline.run-requested.v1': {
    pipelineRunId: 'scheduled__2026-03-01T00:00:00+00:00',
    dagName: 'churn_training',
    logicalDate: '2026-03-01T00:00:00+00:00',
    trigger: 'schedule',
    requestedBy: 'pipeline',
  },
  'mlops.pipeline.task-state-changed.v1': {
    pipelineRunId: 'scheduled__2026-03-01T00:00:00+00:00',
    dagName: 'churn_training',
    taskId: 'validate_data',
    state: 'up_for_retry',
    tryNumber: 1,
    error: 'validation service did not answer within 300 s',
    changedAt: '2026-03-01T00:05:00.000Z',
  },
};

/** A fresh (deep-copied) valid example payload of a topic. */
export function exampleOf<N extends KnownTopicName>(topic: TopicOfName<N> | N): PayloadOf<TopicOfName<N>>;
export function exampleOf(topic: TopicContract | string): unknown;
export function exampleOf(topic: TopicContract | string): unknown {
  const name = typeof topic === 'string' ? topic : topic.name;
  if (!Object.hasOwn(examples, name)) {
    throw new Error(
      `exampleOf: no example for topic "${name}"; declare one in libs/contracts/src/testing/examples.ts`,
    );
  }
  return structuredClone(examples[name as KnownTopicName]);
}

/** An invalid payload and the field its error message must name. */
export interface InvalidExample {
  /** Dotted path of the bad field, as it appears in the error (`predictions.0.probability`). */
  readonly field: string;
  readonly payload: unknown;
}

type Mutation = (payload: Record<string, unknown>) => void;

/** Sets (or, with `undefined`, deletes) the field at a dotted path; `field` is where the error points. */
function at(path: string, value: unknown, field: string = path): [string, Mutation] {
  return [
    field,
    (payload) => {
      const parts = path.split('.');
      let target: Record<string, unknown> = payload;
      for (const part of parts.slice(0, -1)) target = target[part] as Record<string, unknown>;
      const last = parts[parts.length - 1] as string;
      if (value === undefined) delete target[last];
      else target[last] = value;
    },
  ];
}

const mutations: { readonly [N in KnownTopicName]: ReadonlyArray<[string, Mutation]> } = {
  'mlops.system.ping.v1': [at('pingId', 'not-a-uuid'), at('sentAt', '2026-03-01 12:00')],
  'mlops.system.pong.v1': [
    at('service', 'billing'),
    at('consumerLag.0.lag', -1),
    at('uptimeSeconds', undefined),
  ],
  'mlops.data.ingested.v1': [
    at('contentHash', 'ABC123'),
    at('rowCount', 7043.5),
    at('source.kind', 'ftp'),
    at('columns.1.name', 'customer_id'),
  ],
  'mlops.data.record.v1': [at('customerId', ''), at('values.tenure', true)],
  'mlops.data.validation-completed.v1': [
    at('passed', true),
    at('statistics.evaluated', 13),
    at('failingExpectations.0.unexpectedPercent', 121),
    at('failingExpectations.0.expectationType', 'values_not_null'),
  ],
  'mlops.data.drift-checked.v1': [
    at('driftedShare', 0.25),
    at('datasetDrift', false),
    at('columns.0.test', 'anderson'),
    at('columns.0.pValue', 1.5),
  ],
  'mlops.data.drift-detected.v1': [at('driftedColumns', ['tenure']), at('referenceId', undefined)],
  'mlops.features.materialized.v1': [at('entityCount', -5), at('featureNames', [])],
  'mlops.training.requested.v1': [
    at('config.sampleRatio', 0),
    at('config.promoteTo', 'production'),
    at('config.models', ['xgboost', 'xgboost']),
    at('reason', 'whim'),
    at('config.tuning.nTrials', 0),
  ],
  'mlops.training.progress.v1': [at('round', 101), at('validAuc', 1.2), at('phase', 'warmup')],
  'mlops.training.completed.v1': [
    at('metrics.roc_auc', 'high'),
    at('threshold', 2),
    at('bestModel', 'lightgbm', 'candidates'),
  ],
  'mlops.training.failed.v1': [at('retriable', 'yes'), at('stage', 'somewhere')],
  'mlops.model.registered.v1': [
    at('checksum', 'deadbeef'),
    at('version', 0),
    at('artifactUri', 'model.onnx'),
  ],
  'mlops.model.rejected.v1': [at('reasons', []), at('reasons.0.message', '')],
  'mlops.model.promoted.v1': [at('toStage', 'Live'), at('archivedVersions', [4])],
  'mlops.model.rolled-back.v1': [at('toVersion', 4), at('stage', 'Archived')],
  'mlops.prediction.served.v1': [
    at('predictions.0.probability', 1.01),
    at('predictions.1.label', 2),
    at('predictions.0.variant', 'canary'),
    at('predictions', []),
  ],
  'mlops.outcome.observed.v1': [at('churned', 'Yes'), at('predictionRequestId', '42')],
  'mlops.experiment.started.v1': [at('challengerVersion', 3), at('trafficShare', 1.5), at('mode', 'bandit')],
  'mlops.experiment.concluded.v1': [at('decision', 'promote'), at('statistics.samples.challenger', -1)],
  'mlops.pipeline.run-requested.v1': [at('trigger', 'cron'), at('logicalDate', 'yesterday')],
  'mlops.pipeline.task-state-changed.v1': [at('tryNumber', 0), at('state', 'success', 'error')],
};

/**
 * Invalid payloads of a topic, each made by breaking one field of the valid example, with the
 * field its error must name. For dead-letter tests: publish one and expect it in `<topic>.dlq`.
 */
export function invalidExamplesOf(topic: TopicContract | string): InvalidExample[] {
  const name = typeof topic === 'string' ? topic : topic.name;
  if (!Object.hasOwn(mutations, name)) {
    throw new Error(
      `invalidExamplesOf: no invalid examples for topic "${name}"; declare them in libs/contracts/src/testing/examples.ts`,
    );
  }
  return mutations[name as KnownTopicName].map(([field, mutate]) => {
    const payload = exampleOf(name) as Record<string, unknown>;
    mutate(payload);
    return { field, payload };
  });
}

/** Every example payload, by topic name (a deep copy). */
export function allExamples(): ExamplePayloads {
  return structuredClone(examples);
}
