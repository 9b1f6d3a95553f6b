import { z } from 'zod';
import { secret } from './secret.js';

// One validated definition of the platform configuration. Every key says what it is for
// (`.describe()`); secrets are marked with `secret()` so that `redactConfig` can hide them.
// Objects are strict: an unknown key (a typo) is an error, not a silently ignored setting.

const probability = z.number().min(0).max(1);
const openProbability = z.number().gt(0).lt(1);
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const port = z.number().int().min(1).max(65535);
const nonEmpty = z.string().min(1);
/** A fresh non-empty string schema marked secret (fresh: registry membership is per instance). */
const secretString = (description: string): z.ZodString => secret(z.string().min(1).describe(description));
const identifier = z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a snake_case column name');

export const ENVIRONMENTS = ['development', 'staging', 'production'] as const;
export const SERVICE_NAMES = [
  'ingestion',
  'validation',
  'drift',
  'training',
  'registry',
  'serving',
  'experiments',
] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const THRESHOLD_NAMES = [
  'min_accuracy',
  'min_precision',
  'min_recall',
  'min_f1_score',
  'min_auc_roc',
] as const;
export const DRIFT_METHODS = [
  'ks',
  'chi_square',
  'z_test',
  'wasserstein',
  'jensen_shannon',
  'psi',
  'kl_div',
] as const;

// ---------------------------------------------------------------------------------------------
const dataSchema = z
  .strictObject({
    raw_path: nonEmpty.describe('CSV file of the bundled dataset, relative to the working directory'),
    id_column: identifier.describe('Entity id column (Kafka key of record and prediction events)'),
    target: z
      .strictObject({
        column: identifier.describe('Label column'),
        positive_label: nonEmpty.describe('Label value that counts as the positive class (1)'),
        negative_label: nonEmpty.describe('Label value that counts as the negative class (0)'),
      })
      .refine((t) => t.positive_label !== t.negative_label, {
        message: 'positive_label and negative_label must differ',
        path: ['negative_label'],
      })
      .describe('Binary target of the model'),
    numeric_features: z.array(identifier).min(1).describe('Raw numeric input columns'),
    categorical_features: z.array(identifier).describe('Raw categorical input columns (one-hot encoded)'),
  })
  .superRefine((d, ctx) => {
    const seen = new Map<string, string>();
    const add = (col: string, where: string, path: (string | number)[]): void => {
      const prev = seen.get(col);
      if (prev !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `column "${col}" is listed twice (${prev} and ${where})`,
        });
      } else seen.set(col, where);
    };
    add(d.id_column, 'id_column', ['id_column']);
    add(d.target.column, 'target.column', ['target', 'column']);
    d.numeric_features.forEach((c, i) => add(c, 'numeric_features', ['numeric_features', i]));
    d.categorical_features.forEach((c, i) => add(c, 'categorical_features', ['categorical_features', i]));
  })
  .describe('Schema of the training data: id, target and feature columns');

// ---------------------------------------------------------------------------------------------
const featuresSchema = z
  .strictObject({
    derived: z
      .strictObject({
        tenure_category: z
          .strictObject({
            source: identifier.describe('Numeric column that is binned'),
            bins: z
              .array(
                z.union([
                  z.number(),
                  z.custom<number>((v) => v === Number.POSITIVE_INFINITY, 'expected a number or .inf'),
                ]),
              )
              .min(2)
              .describe('Right-closed bin edges as pandas.cut; .inf allowed as the last edge'),
            labels: z.array(nonEmpty).min(1).describe('One label per bin (bins.length - 1 labels)'),
          })
          .superRefine((t, ctx) => {
            for (let i = 1; i < t.bins.length; i++) {
              if (!((t.bins[i] ?? 0) > (t.bins[i - 1] ?? 0))) {
                ctx.addIssue({
                  code: 'custom',
                  path: ['bins', i],
                  message: 'bin edges must increase strictly',
                });
              }
            }
            if (t.labels.length !== t.bins.length - 1) {
              ctx.addIssue({
                code: 'custom',
                path: ['labels'],
                message: `expected ${t.bins.length - 1} labels for ${t.bins.length} bin edges, got ${t.labels.length}`,
              });
            }
          })
          .describe('Tenure bucket: pandas.cut(tenure, bins, labels)'),
        total_amount: z
          .strictObject({
            formula: z.literal('tenure * monthly_charges').describe('Documented formula (fixed)'),
          })
          .describe('total_amount = tenure * monthly_charges'),
        avg_monthly_charges: z
          .strictObject({
            formula: z.literal('monthly_charges / (tenure + 1)').describe('Documented formula (fixed)'),
          })
          .describe('avg_monthly_charges = monthly_charges / (tenure + 1)'),
        is_high_risk: z
          .strictObject({
            contract_value: nonEmpty.describe('Contract value that marks a customer as at risk'),
            charges_column: identifier.describe('Column compared with its training statistic'),
            charges_statistic: z
              .literal('training_median')
              .describe('Statistic learned on the training split at fit time and stored with the model'),
          })
          .describe('is_high_risk = contract == contract_value and charges_column > training median'),
      })
      .describe('Derived features computed from the raw columns (the seed feature engineering)'),
    online_store: z
      .strictObject({
        type: z.literal('redis').describe('Online store backend (Redis hashes, Feast layout)'),
        key_prefix: nonEmpty.describe('Prefix of the Redis hash key; the entity id follows'),
        ttl_seconds: positiveInt.describe('Expiry of a materialized entity hash'),
        feature_view: nonEmpty.describe('Feature view name stored with each materialization'),
      })
      .describe('Online feature store used by serving'),
  })
  .describe('Feature engineering and the online store');

// ---------------------------------------------------------------------------------------------
const driftTest = z
  .strictObject({
    method: z.enum(DRIFT_METHODS).describe('Statistical test or distance'),
    threshold: z
      .number()
      .positive()
      .describe(
        'p-value for ks/chi_square/z_test (drift when p below it); distance for the others (drift when >= it)',
      ),
  })
  .describe('A drift test and its threshold');

const driftSchema = z
  .strictObject({
    small_reference_max_rows: positiveInt.describe(
      'Reference sets up to this size use p-value tests, larger ones distances',
    ),
    numeric_min_unique: positiveInt.describe(
      'Numeric columns with at most this many distinct values are treated as categorical',
    ),
    tests: z
      .strictObject({
        numeric_small: driftTest.describe('Numeric column, small reference (Evidently: KS)'),
        categorical_small: driftTest.describe('Categorical column, small reference (Evidently: chi-square)'),
        binary_small: driftTest.describe(
          'Binary column, small reference (Evidently: z-test for proportions)',
        ),
        numeric_large: driftTest.describe('Numeric column, large reference (Evidently: normed Wasserstein)'),
        categorical_large: driftTest.describe(
          'Categorical column, large reference (Evidently: Jensen-Shannon)',
        ),
      })
      .describe('Method per column type (Evidently defaults)'),
    column_overrides: z.record(identifier, driftTest).describe('Per-column method override'),
    dataset_drift_share: openProbability.describe(
      'Dataset drift when the share of drifted columns is >= this',
    ),
    live_window: z
      .strictObject({
        max_rows: positiveInt.describe('Served predictions kept for the live drift check'),
        check_interval_seconds: positiveInt.describe(
          'How often the live window is compared with the reference',
        ),
      })
      .describe('Live drift on served predictions'),
  })
  .describe('Drift detection');

// ---------------------------------------------------------------------------------------------
const validationSchema = z
  .strictObject({
    suite_path: nonEmpty.describe('Expectation suite (libs/data-quality) applied to each ingested dataset'),
    fail_pipeline_on_failure: z
      .boolean()
      .describe('A failing suite stops the dataset before drift and training'),
    partial_unexpected_count: positiveInt.describe('Unexpected values kept per expectation in a result'),
  })
  .describe('Data validation');

// ---------------------------------------------------------------------------------------------
const searchParam = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('int').describe('Integer parameter'),
      low: z.number().int().describe('Lower bound (inclusive)'),
      high: z.number().int().describe('Upper bound (inclusive)'),
      log: z.boolean().optional().describe('Sample in log space'),
      step: positiveInt.optional().describe('Grid step'),
    }),
    z.strictObject({
      type: z.literal('float').describe('Float parameter'),
      low: z.number().describe('Lower bound'),
      high: z.number().describe('Upper bound'),
      log: z.boolean().optional().describe('Sample in log space (Optuna log=True)'),
    }),
    z.strictObject({
      type: z.literal('categorical').describe('Categorical parameter'),
      choices: z
        .array(z.union([z.string(), z.number(), z.boolean()]))
        .min(1)
        .describe('Possible values'),
    }),
  ])
  .superRefine((p, ctx) => {
    if (p.type === 'categorical') return;
    if (!(p.low < p.high))
      ctx.addIssue({
        code: 'custom',
        path: ['high'],
        message: `high (${p.high}) must be greater than low (${p.low})`,
      });
    if (p.log === true && !(p.low > 0))
      ctx.addIssue({ code: 'custom', path: ['low'], message: 'log-scaled ranges need low > 0' });
  })
  .describe('One search dimension (Optuna suggest_int / suggest_float / suggest_categorical)');

const searchSpace = z
  .record(identifier, searchParam)
  .describe('Search space of one model: parameter -> range');

const modelsSchema = z
  .strictObject({
    xgboost: z
      .strictObject({
        n_estimators: positiveInt.describe('Boosting rounds'),
        max_depth: positiveInt.describe('Maximum tree depth'),
        learning_rate: z.number().positive().describe('Shrinkage (eta)'),
        subsample: openProbability.or(z.literal(1)).describe('Row subsample per tree'),
        colsample_bytree: openProbability.or(z.literal(1)).describe('Column subsample per tree'),
        min_child_weight: z.number().nonnegative().optional().describe('Minimum hessian sum in a leaf'),
        gamma: z.number().nonnegative().optional().describe('Minimum loss reduction to split'),
        reg_lambda: z.number().nonnegative().optional().describe('L2 regularization'),
        reg_alpha: z.number().nonnegative().optional().describe('L1 regularization'),
        random_state: nonNegativeInt.describe('Seed'),
      })
      .describe('XGBoost classifier parameters (hist)'),
    lightgbm: z
      .strictObject({
        n_estimators: positiveInt.describe('Boosting rounds'),
        num_leaves: z.number().int().min(2).describe('Maximum leaves per tree'),
        learning_rate: z.number().positive().describe('Shrinkage'),
        feature_fraction: openProbability.or(z.literal(1)).describe('Column subsample per tree'),
        bagging_fraction: openProbability.or(z.literal(1)).describe('Row subsample'),
        bagging_freq: nonNegativeInt.describe('Bagging every k iterations (0 disables)'),
        min_data_in_leaf: positiveInt.optional().describe('Minimum rows in a leaf'),
        random_state: nonNegativeInt.describe('Seed'),
      })
      .describe('LightGBM classifier parameters'),
    random_forest: z
      .strictObject({
        n_estimators: positiveInt.describe('Trees'),
        max_depth: positiveInt.nullable().describe('Maximum depth (null = unlimited)'),
        min_samples_split: z.number().int().min(2).describe('Minimum rows to split a node'),
        min_samples_leaf: positiveInt.describe('Minimum rows in a leaf'),
        random_state: nonNegativeInt.describe('Seed'),
      })
      .describe('Random forest classifier parameters (scikit-learn)'),
    logistic_regression: z
      .strictObject({
        C: z.number().positive().describe('Inverse L2 regularization strength'),
        max_iter: positiveInt.describe('Solver iterations (lbfgs)'),
      })
      .describe('Logistic regression parameters (scikit-learn, on scaled features)'),
  })
  .describe('Candidate models and their default hyperparameters (the seed values)');

const thresholdsSchema = z
  .strictObject({
    min_accuracy: probability.describe('Minimum accuracy at the decision threshold'),
    min_precision: probability.describe('Minimum precision of the churn class at the decision threshold'),
    min_recall: probability.describe('Minimum recall of the churn class at the decision threshold'),
    min_f1_score: probability.describe('Minimum F1 of the churn class at the decision threshold'),
    min_auc_roc: probability.describe('Minimum ROC-AUC (threshold-free)'),
  })
  .describe('The seed promotion thresholds; model_validation says which block a promotion');

const decisionThresholdSchema = z
  .strictObject({
    strategy: z
      .enum(['max_f1', 'target_recall', 'target_precision', 'fixed'])
      .describe('How the probability cut-off is chosen on the validation split'),
    target: probability
      .nullable()
      .describe('Recall or precision to reach, or the fixed threshold; null for max_f1'),
  })
  .superRefine((d, ctx) => {
    if (d.strategy !== 'max_f1' && d.target === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['target'],
        message: `strategy ${d.strategy} needs a target in [0, 1]`,
      });
    }
  })
  .describe('Decision threshold policy');

const trainingSchema = z
  .strictObject({
    models: modelsSchema,
    hyperparameter_tuning: z
      .strictObject({
        enabled: z.boolean().describe('Run a TPE search before the final fit'),
        n_trials: positiveInt.describe('Trials per study'),
        timeout: positiveInt.describe('Study time limit in seconds'),
        metric: z
          .enum(['roc_auc', 'pr_auc', 'f1', 'accuracy', 'log_loss'])
          .describe('Objective (cross-validated)'),
        search_spaces: z
          .strictObject({
            xgboost: searchSpace,
            lightgbm: searchSpace,
            random_forest: searchSpace,
            logistic_regression: searchSpace.optional(),
          })
          .describe('Search space per model'),
      })
      .describe('Hyperparameter search (Optuna TPE semantics)'),
    cross_validation: z
      .strictObject({
        n_folds: z.number().int().min(2).describe('Folds'),
        stratified: z.boolean().describe('Keep the class ratio in every fold'),
      })
      .describe('Cross-validation'),
    split: z
      .strictObject({
        test_size: openProbability.describe('Share of rows held out for the test split'),
        validation_size: openProbability.describe('Share of all rows held out for validation'),
        random_state: nonNegativeInt.describe('Seed of the split'),
        stratify: z.boolean().describe('Stratify the split on the target'),
      })
      .refine((s) => s.test_size + s.validation_size < 1, {
        message: 'test_size + validation_size must be below 1 (rows are needed for training)',
        path: ['validation_size'],
      })
      .describe('Train/validation/test split'),
    thresholds: thresholdsSchema,
    decision_threshold: decisionThresholdSchema,
  })
  .superRefine((t, ctx) => {
    for (const [model, space] of Object.entries(t.hyperparameter_tuning.search_spaces)) {
      if (space === undefined) continue;
      const defaults = t.models[model as keyof typeof t.models] as Record<string, unknown>;
      for (const param of Object.keys(space)) {
        if (!(param in defaults) && !isOptionalModelParam(model, param)) {
          ctx.addIssue({
            code: 'custom',
            path: ['hyperparameter_tuning', 'search_spaces', model, param],
            message: `"${param}" is not a parameter of training.models.${model}`,
          });
        }
      }
    }
  })
  .describe('Model training (the seed training section)');

function isOptionalModelParam(model: string, param: string): boolean {
  const shape = modelsSchema.shape[model as keyof typeof modelsSchema.shape];
  return shape !== undefined && param in shape.shape;
}

// ---------------------------------------------------------------------------------------------
const thresholdName = z.enum(THRESHOLD_NAMES);
const modelValidationSchema = z
  .strictObject({
    thresholds_from: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]+)*$/)
      .describe('Dotted path of the thresholds object this gate applies (training.thresholds)'),
    blocking: z.array(thresholdName).describe('Thresholds whose miss rejects the model'),
    advisory: z.array(thresholdName).describe('Thresholds whose miss is reported but does not reject'),
    max_auc_regression: probability.describe('Largest ROC-AUC drop allowed against the current champion'),
    max_model_size_mb: z.number().positive().describe('Largest ONNX artifact accepted'),
    max_p99_latency_ms: z.number().positive().describe('Largest p99 latency of a one-row prediction'),
    max_memory_mb: z.number().positive().describe('Largest resident memory growth when the model is loaded'),
  })
  .superRefine((m, ctx) => {
    const both = m.blocking.filter((n) => m.advisory.includes(n));
    for (const n of both)
      ctx.addIssue({ code: 'custom', path: ['advisory'], message: `${n} is both blocking and advisory` });
    for (const n of THRESHOLD_NAMES) {
      if (!m.blocking.includes(n) && !m.advisory.includes(n)) {
        ctx.addIssue({
          code: 'custom',
          path: ['blocking'],
          message: `${n} must be listed in blocking or advisory`,
        });
      }
    }
  })
  .describe('Gate a trained model passes before registration');

// ---------------------------------------------------------------------------------------------
const servingSchema = z
  .strictObject({
    model_name: nonEmpty.describe('Registered model served'),
    model_alias: nonEmpty.describe('Alias of the version served (MLflow-style @champion)'),
    max_batch_size: positiveInt.describe('Rows accepted per prediction request'),
    body_limit_bytes: positiveInt.describe('Largest request body accepted'),
    canary: z
      .strictObject({
        enabled: z.boolean().describe('Route a share of traffic to the challenger'),
        challenger_alias: nonEmpty.describe('Alias of the canary version'),
        traffic_share: probability.describe(
          'Share of requests sent to the canary (KServe canaryTrafficPercent / 100)',
        ),
      })
      .describe('Canary rollout'),
    shadow: z
      .strictObject({
        enabled: z.boolean().describe('Mirror requests to a shadow model whose answers are discarded'),
        alias: nonEmpty.describe('Alias of the shadow version'),
      })
      .describe('Shadow (mirror) deployment'),
    prediction_events: z
      .strictObject({
        max_batch: positiveInt.describe('Predictions per prediction.served event batch'),
        flush_interval_ms: positiveInt.describe('Longest wait before a partial batch is published'),
        compression: z
          .enum(['none', 'snappy'])
          .describe(
            'Record batch compression of the events (snappy: about six times smaller, less producer CPU)',
          ),
      })
      .describe('Publishing of prediction.served events'),
    model_refresh_interval_seconds: positiveInt.describe(
      'Fallback poll of the registry alias (promotion events act at once)',
    ),
  })
  .superRefine((s, ctx) => {
    if (s.canary.challenger_alias === s.model_alias) {
      ctx.addIssue({
        code: 'custom',
        path: ['canary', 'challenger_alias'],
        message: 'must differ from model_alias',
      });
    }
    if (s.shadow.alias === s.model_alias) {
      ctx.addIssue({ code: 'custom', path: ['shadow', 'alias'], message: 'must differ from model_alias' });
    }
  })
  .describe('Online prediction service');

const experimentsSchema = z
  .strictObject({
    default_traffic_split: z.array(probability).min(2).describe('Share of traffic per arm, control first'),
    alpha: openProbability.describe('Significance level of the two-sided test'),
    srm_p_value: openProbability.describe('Sample-ratio mismatch flagged below this chi-square p-value'),
    min_samples_per_arm: positiveInt.describe('Outcomes needed per arm before a verdict'),
    primary_metric: nonEmpty.describe('Metric the experiment decides on'),
    canary_analysis: z
      .strictObject({
        interval_seconds: positiveInt.describe('Analysis window'),
        min_success_rate: probability.describe('Lowest success rate per window'),
        max_p99_latency_ms: z.number().positive().describe('Highest p99 latency per window'),
        failed_checks_to_rollback: positiveInt.describe('Failed windows that trigger a rollback'),
      })
      .describe('Automated canary analysis (Flagger defaults)'),
  })
  .superRefine((e, ctx) => {
    const sum = e.default_traffic_split.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-9) {
      ctx.addIssue({
        code: 'custom',
        path: ['default_traffic_split'],
        message: `shares must sum to 1, got ${sum}`,
      });
    }
  })
  .describe('A/B experiments and canary analysis');

const cronField = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
const pipelineSchema = z
  .strictObject({
    schedule: z
      .string()
      .refine((s) => {
        const f = s.trim().split(/\s+/);
        return f.length === 5 && f.every((x) => cronField.test(x));
      }, 'expected a 5-field cron expression such as "0 2 * * 0"')
      .describe('Cron schedule of the weekly run'),
    timezone: nonEmpty.describe('Time zone of the schedule'),
    catchup: z.boolean().describe('Create runs for missed intervals'),
    depends_on_past: z.boolean().describe('A task waits for its previous run to succeed'),
    retries: nonNegativeInt.describe('Retries per task'),
    retry_delay_seconds: positiveInt.describe('Delay before the first retry'),
    retry_exponential_backoff: z.boolean().describe('Double the delay after each retry'),
    max_retry_delay_seconds: positiveInt.describe('Cap of the retry delay'),
    alerts: z
      .strictObject({
        on_failure: z.boolean().describe('Alert when a run fails'),
        on_retry: z.boolean().describe('Alert when a task is retried'),
        on_success: z.boolean().describe('Alert when a run succeeds'),
        channels: z.array(z.enum(['log', 'email', 'slack'])).describe('Where alerts go'),
        email_to: z.array(z.email()).describe('Recipients of email alerts'),
        slack_webhook_url: secret(z.url().describe('Slack incoming webhook (secret)'))
          .nullable()
          .describe('Slack incoming webhook (secret)'),
      })
      .describe('Pipeline notifications'),
  })
  .refine((p) => p.max_retry_delay_seconds >= p.retry_delay_seconds, {
    message: 'max_retry_delay_seconds must be >= retry_delay_seconds',
    path: ['max_retry_delay_seconds'],
  })
  .describe('The scheduled training pipeline');

// ---------------------------------------------------------------------------------------------
const serviceEntry = z.strictObject({ http_port: port.describe('HTTP port: health, metrics, REST') });
const servicesSchema = z
  .strictObject({
    ingestion: serviceEntry.describe('Ingestion service'),
    validation: serviceEntry.describe('Validation service'),
    drift: serviceEntry.describe('Drift service'),
    training: serviceEntry.describe('Training service'),
    registry: serviceEntry.describe('Registry service'),
    serving: z
      .strictObject({
        http_port: port.describe('HTTP port: health, metrics, REST predictions'),
        grpc_port: port.describe('gRPC prediction port'),
      })
      .describe('Serving service'),
    experiments: serviceEntry.describe('Experiments service'),
  })
  .superRefine((s, ctx) => {
    const owner = new Map<number, string>();
    const ports: [string[], number][] = Object.entries(s).map(([n, e]) => [[n, 'http_port'], e.http_port]);
    ports.push([['serving', 'grpc_port'], s.serving.grpc_port]);
    for (const [path, p] of ports) {
      const prev = owner.get(p);
      if (prev !== undefined)
        ctx.addIssue({ code: 'custom', path, message: `port ${p} is already used by ${prev}` });
      else owner.set(p, path.join('.'));
    }
  })
  .describe('Ports of the services');

const kafkaSchema = z
  .strictObject({
    brokers: z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'))
      .min(1)
      .describe('Bootstrap brokers (host:port)'),
    client_id_prefix: nonEmpty.describe('Client id = <prefix>-<service>'),
    consumer_group_prefix: nonEmpty.describe('Consumer group = <prefix>.<service>'),
    auto_offset_reset: z
      .enum(['earliest', 'latest'])
      .describe(
        "Where a consumer group with no committed offset starts (Kafka's auto.offset.reset): earliest replays the topic, latest takes only new events",
      ),
    connection_timeout_ms: positiveInt.describe('Connection timeout'),
    request_timeout_ms: positiveInt.describe('Request timeout'),
    ssl: z.boolean().describe('TLS to the brokers'),
    sasl: z
      .strictObject({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).describe('SASL mechanism'),
        username: nonEmpty.describe('SASL user'),
        password: secretString('SASL password (secret)'),
      })
      .nullable()
      .describe('SASL authentication, null for none'),
  })
  .describe('Kafka');

const databaseSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'expected postgres://user[:password]@host:port/database')
      .describe('PostgreSQL connection URL (a password in it is masked in logs)'),
    password: secretString('Replaces the password of url when set (secret)').nullable(),
    pool_max: positiveInt.describe('Connections per service'),
    ssl: z.boolean().describe('TLS to PostgreSQL'),
    statement_timeout_ms: positiveInt.describe('Statement timeout'),
  })
  .describe('PostgreSQL');

const redisSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'expected redis://host:port')
      .describe('Redis URL'),
    password: secretString('Redis AUTH password (secret)').nullable(),
    db: nonNegativeInt.describe('Logical database'),
  })
  .describe('Redis (online feature store, caches)');

const registrySchema = z
  .strictObject({
    url: z.url().describe("The registry's HTTP API base URL"),
    artifact_root: nonEmpty.describe('Folder of model artifacts for storage=local'),
    storage: z.enum(['local', 's3']).describe('Artifact store'),
    default_experiment: nonEmpty.describe('Tracking experiment of training runs'),
    s3: z
      .strictObject({
        endpoint: z.url().describe('S3-compatible endpoint'),
        bucket: nonEmpty.describe('Bucket'),
        region: nonEmpty.describe('Region'),
        access_key_id: secretString('Access key id (secret)'),
        secret_access_key: secretString('Secret access key (secret)'),
      })
      .nullable()
      .describe('S3 artifact store, for storage=s3'),
  })
  .refine((r) => r.storage !== 's3' || r.s3 !== null, {
    message: 'storage s3 needs the s3 section (REGISTRY_S3_* variables)',
    path: ['s3'],
  })
  .describe('Model registry and artifact store');

const loggingSchema = z
  .strictObject({ level: z.enum(LOG_LEVELS).describe('Lowest level written') })
  .describe('JSON logging');

// ---------------------------------------------------------------------------------------------
const sectionsSchema = z.strictObject({
  environment: z.enum(ENVIRONMENTS).describe('Environment whose override file was applied (from MLOPS_ENV)'),
  data: dataSchema,
  features: featuresSchema,
  drift: driftSchema,
  validation: validationSchema,
  training: trainingSchema,
  model_validation: modelValidationSchema,
  serving: servingSchema,
  experiments: experimentsSchema,
  pipeline: pipelineSchema,
  services: servicesSchema,
  kafka: kafkaSchema,
  database: databaseSchema,
  redis: redisSchema,
  registry: registrySchema,
  logging: loggingSchema,
});

type Sections = z.output<typeof sectionsSchema>;
type Issues = { issues: readonly { path?: readonly PropertyKey[] | undefined }[] };
const clean = (payload: Issues, ...prefixes: string[]): boolean =>
  !payload.issues.some((i) => prefixes.includes(String(i.path?.[0])));

/** The platform configuration schema (cross-section checks run once the sections they read are valid). */
export const platformConfigSchema = sectionsSchema
  .superRefine(
    (c: Sections, ctx) => {
      const columns = new Set(c.data.numeric_features);
      const d = c.features.derived;
      const refs: [string[], string][] = [
        [['features', 'derived', 'tenure_category', 'source'], d.tenure_category.source],
        [['features', 'derived', 'is_high_risk', 'charges_column'], d.is_high_risk.charges_column],
      ];
      for (const [path, col] of refs) {
        if (!columns.has(col)) {
          ctx.addIssue({ code: 'custom', path, message: `"${col}" is not in data.numeric_features` });
        }
      }
      for (const col of ['tenure', 'monthly_charges']) {
        if (!columns.has(col)) {
          ctx.addIssue({
            code: 'custom',
            path: ['data', 'numeric_features'],
            message: `derived features need "${col}"`,
          });
        }
      }
      for (const col of Object.keys(c.drift.column_overrides)) {
        if (!columns.has(col) && !c.data.categorical_features.includes(col)) {
          ctx.addIssue({
            code: 'custom',
            path: ['drift', 'column_overrides', col],
            message: `"${col}" is not a feature column`,
          });
        }
      }
    },
    { when: (p) => clean(p, 'data', 'features', 'drift') },
  )
  .superRefine(
    (c: Sections, ctx) => {
      const target = resolvePath(c, c.model_validation.thresholds_from.split('.'));
      const ok = typeof target === 'object' && target !== null && THRESHOLD_NAMES.every((n) => n in target);
      if (!ok) {
        ctx.addIssue({
          code: 'custom',
          path: ['model_validation', 'thresholds_from'],
          message: `"${c.model_validation.thresholds_from}" does not name an object with ${THRESHOLD_NAMES.join(', ')}`,
        });
      }
    },
    { when: (p) => clean(p, 'model_validation', 'training') },
  )
  .describe('The platform configuration');

function resolvePath(root: unknown, path: readonly string[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null || !(key in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Deeply read-only view of a value (what {@link loadConfig} returns: the object is frozen). */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The validated, frozen platform configuration. Keys keep the YAML's snake_case. */
export type PlatformConfig = DeepReadonly<z.output<typeof platformConfigSchema>>;
export type Environment = (typeof ENVIRONMENTS)[number];
export type ServiceName = (typeof SERVICE_NAMES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
