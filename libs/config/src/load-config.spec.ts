import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigError, ConfigIssueCode, ENVIRONMENTS, loadConfig, type ConfigIssue } from './index.js';

const SHIPPED = resolve(process.cwd(), 'config');

/** A scratch copy of the shipped config folder, edited per test. */
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-config-'));
  cpSync(SHIPPED, dir, { recursive: true });
  return dir;
}

function editYaml(dir: string, file: string, edit: (doc: Record<string, unknown>) => void): void {
  const path = join(dir, file);
  const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as Record<string, unknown>;
  edit(doc);
  writeFileSync(path, stringify(doc));
}

function issuesOf(fn: () => unknown): readonly ConfigIssue[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = scratchDir();
  dirs.push(d);
  return d;
}

describe('loadConfig: shipped files', () => {
  it.each(ENVIRONMENTS)('validates config.yaml + %s.yaml', (environment) => {
    const config = loadConfig({ env: { MLOPS_ENV: environment }, configDir: SHIPPED });
    expect(config.environment).toBe(environment);
    expect(config.services.serving).toEqual({ http_port: 3006, grpc_port: 50051 });
  });

  it('defaults to development and finds ./config from the working directory', () => {
    const config = loadConfig({ env: {} });
    expect(config.environment).toBe('development');
    expect(config.logging.level).toBe('debug');
  });

  it('holds the seed training section value for value', () => {
    const { training } = loadConfig({ env: {}, configDir: SHIPPED });
    expect(training.models.xgboost).toEqual({
      n_estimators: 100,
      max_depth: 6,
      learning_rate: 0.1,
      subsample: 0.8,
      colsample_bytree: 0.8,
      random_state: 42,
    });
    expect(training.models.lightgbm).toEqual({
      n_estimators: 100,
      num_leaves: 31,
      learning_rate: 0.1,
      feature_fraction: 0.8,
      bagging_fraction: 0.8,
      bagging_freq: 5,
      random_state: 42,
    });
    expect(training.models.random_forest).toEqual({
      n_estimators: 100,
      max_depth: 10,
      min_samples_split: 5,
      min_samples_leaf: 2,
      random_state: 42,
    });
    expect(training.models.logistic_regression).toEqual({ C: 1, max_iter: 1000 });
    expect(training.thresholds).toEqual({
      min_accuracy: 0.75,
      min_precision: 0.7,
      min_recall: 0.65,
      min_f1_score: 0.7,
      min_auc_roc: 0.75,
    });
    expect(training.cross_validation).toEqual({ n_folds: 5, stratified: true });
    expect(training.split).toEqual({
      test_size: 0.2,
      validation_size: 0.2,
      random_state: 42,
      stratify: true,
    });
    const tuning = training.hyperparameter_tuning;
    expect([tuning.enabled, tuning.n_trials, tuning.timeout, tuning.metric]).toEqual([
      true,
      50,
      3600,
      'roc_auc',
    ]);
    expect(tuning.search_spaces.xgboost['learning_rate']).toEqual({
      type: 'float',
      low: 0.01,
      high: 0.3,
      log: true,
    });
    expect(tuning.search_spaces.xgboost['reg_lambda']).toEqual({
      type: 'float',
      low: 0.001,
      high: 10,
      log: true,
    });
    expect(Object.keys(tuning.search_spaces.lightgbm)).toEqual([
      'num_leaves',
      'learning_rate',
      'n_estimators',
      'feature_fraction',
      'bagging_fraction',
      'min_data_in_leaf',
    ]);
    expect(tuning.search_spaces.random_forest['max_depth']).toEqual({ type: 'int', low: 4, high: 20 });
  });

  it('lists the columns of data/raw/customer_data.csv', () => {
    const { data } = loadConfig({ env: {}, configDir: SHIPPED });
    const header = readFileSync(resolve(process.cwd(), data.raw_path), 'utf8').split('\n')[0] ?? '';
    const columns = header.split(',').map((c) => c.replace(/"/g, '').trim());
    const configured = [
      data.id_column,
      ...data.numeric_features,
      ...data.categorical_features,
      data.target.column,
    ];
    expect([...configured].sort()).toEqual([...columns].sort());
  });
});

describe('loadConfig: overrides', () => {
  it('applies base < environment file < environment variables', () => {
    const dir = tmp();
    editYaml(
      dir,
      'config.yaml',
      (d) => ((d['kafka'] as Record<string, unknown>)['client_id_prefix'] = 'from-base'),
    );
    editYaml(dir, 'staging.yaml', (d) => (d['logging'] = { level: 'warn' }));

    const base = loadConfig({ env: { MLOPS_ENV: 'staging' }, configDir: dir });
    expect(base.kafka.client_id_prefix).toBe('from-base'); // base only
    expect(base.kafka.brokers).toEqual(['kafka:9092']); // env file over base
    expect(base.logging.level).toBe('warn'); // env file over base
    expect(base.kafka.connection_timeout_ms).toBe(3000); // deep merge keeps siblings

    const env = loadConfig({
      env: {
        MLOPS_ENV: 'staging',
        LOG_LEVEL: 'error',
        KAFKA_BROKERS: '10.0.0.1:9092, 10.0.0.2:9092',
        SERVING_HTTP_PORT: '4006',
        DATABASE_SSL: 'true',
      },
      configDir: dir,
    });
    expect(env.logging.level).toBe('error');
    expect(env.kafka.brokers).toEqual(['10.0.0.1:9092', '10.0.0.2:9092']);
    expect(env.services.serving.http_port).toBe(4006);
    expect(env.database.ssl).toBe(true);
    expect(env.database.pool_max).toBe(20); // still from staging.yaml
  });

  it('treats an empty variable as unset and MLOPS_CONFIG_DIR as the folder', () => {
    const dir = tmp();
    editYaml(dir, 'development.yaml', (d) => (d['redis'] = { url: 'redis://127.0.0.1:6390' }));
    const config = loadConfig({ env: { MLOPS_CONFIG_DIR: dir, REDIS_URL: '  ' } });
    expect(config.redis.url).toBe('redis://127.0.0.1:6390');
  });
});

describe('loadConfig: errors', () => {
  it('lists every error at once, with paths and the layer that set each value', () => {
    const dir = tmp();
    editYaml(dir, 'config.yaml', (d) => {
      const training = d['training'] as Record<string, Record<string, unknown>>;
      (training['split'] as Record<string, unknown>)['test_size'] = 1.5;
      training['decision_threshold'] = { strategy: 'target_precision', target: null };
      const spaces = (
        training['hyperparameter_tuning'] as Record<string, Record<string, Record<string, unknown>>>
      )['search_spaces'];
      (spaces as Record<string, Record<string, unknown>>)['xgboost']!['max_depth'] = {
        type: 'int',
        low: 10,
        high: 3,
      };
      (d['serving'] as Record<string, unknown>)['max_batch_siz'] = 10;
    });
    editYaml(dir, 'development.yaml', (d) => {
      d['services'] = { drift: { http_port: 3001 } };
      d['pipeline'] = { schedule: 'every sunday' };
    });

    const issues = issuesOf(() =>
      loadConfig({ env: { DATABASE_POOL_MAX: 'many', REDIS_URL: 'http://nope' }, configDir: dir }),
    );
    const byPath = new Map(issues.map((i) => [i.path, i]));
    expect(byPath.get('training.split.test_size')).toMatchObject({
      source: 'config.yaml',
      code: ConfigIssueCode.InvalidValue,
    });
    expect(byPath.get('training.decision_threshold.target')?.message).toBe(
      'strategy target_precision needs a target in [0, 1]',
    );
    expect(byPath.get('training.hyperparameter_tuning.search_spaces.xgboost.max_depth.high')?.message).toBe(
      'high (3) must be greater than low (10)',
    );
    expect(byPath.get('serving.max_batch_siz')?.message).toMatch(/unknown key/);
    expect(byPath.get('services.drift.http_port')).toMatchObject({
      source: 'development.yaml',
      message: 'port 3001 is already used by ingestion.http_port',
    });
    expect(byPath.get('pipeline.schedule')).toMatchObject({ source: 'development.yaml' });
    expect(byPath.get('database.pool_max')).toMatchObject({
      code: ConfigIssueCode.EnvParse,
      source: 'env DATABASE_POOL_MAX',
      message: 'DATABASE_POOL_MAX="many" is not an integer',
    });
    expect(byPath.get('redis.url')).toMatchObject({ source: 'env REDIS_URL' });
    // The split's own sum rule still runs next to the range error of test_size.
    expect(byPath.get('training.split.validation_size')?.message).toBe(
      'test_size + validation_size must be below 1 (rows are needed for training)',
    );
    expect(issues).toHaveLength(9);
  });

  it('puts every problem in the message', () => {
    const dir = tmp();
    editYaml(dir, 'config.yaml', (d) => {
      (d['drift'] as Record<string, unknown>)['dataset_drift_share'] = 2;
      (d['experiments'] as Record<string, unknown>)['default_traffic_split'] = [0.5, 0.6];
    });
    try {
      loadConfig({ env: {}, configDir: dir });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toContain('(2 problems)');
      expect(message).toContain('drift.dataset_drift_share');
      expect(message).toContain('experiments.default_traffic_split: shares must sum to 1, got 1.1');
    }
  });

  it("runs cross-section checks and reports them next to other sections' errors", () => {
    const dir = tmp();
    editYaml(dir, 'config.yaml', (d) => {
      (d['model_validation'] as Record<string, unknown>)['advisory'] = ['min_precision'];
      (d['features'] as Record<string, Record<string, Record<string, unknown>>>)['derived']![
        'tenure_category'
      ]!['source'] = 'gender';
      (d['kafka'] as Record<string, unknown>)['brokers'] = [];
    });
    const paths = issuesOf(() => loadConfig({ env: {}, configDir: dir })).map(
      (i) => `${i.path}: ${i.message}`,
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        'model_validation.blocking: min_f1_score must be listed in blocking or advisory',
        'features.derived.tenure_category.source: "gender" is not in data.numeric_features',
        'kafka.brokers: Too small: expected array to have >=1 items',
      ]),
    );
  });

  it('reports unknown environments, missing files and YAML syntax errors', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'development.yaml'), 'logging: [unclosed\n');
    const yamlIssues = issuesOf(() => loadConfig({ env: {}, configDir: dir }));
    expect(yamlIssues.map((i) => [i.code, i.source])).toEqual([
      [ConfigIssueCode.YamlSyntax, 'development.yaml'],
    ]);

    const missing = issuesOf(() => loadConfig({ env: { MLOPS_ENV: 'qa' }, configDir: join(dir, 'nowhere') }));
    expect(missing.map((i) => i.code)).toEqual(
      expect.arrayContaining([ConfigIssueCode.UnknownEnvironment, ConfigIssueCode.FileMissing]),
    );
    expect(missing.find((i) => i.code === ConfigIssueCode.UnknownEnvironment)?.message).toBe(
      'MLOPS_ENV="qa" is not one of development, staging, production',
    );
  });
});

describe('loadConfig: frozen result', () => {
  it('throws on mutation at any depth (ES modules run in strict mode)', () => {
    const config = loadConfig({ env: {}, configDir: SHIPPED });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config.training.thresholds as { min_accuracy: number }).min_accuracy = 0;
    }).toThrow(TypeError);
    expect(() => {
      (config.kafka.brokers as string[]).push('x:1');
    }).toThrow(TypeError);
    expect(config.training.thresholds.min_accuracy).toBe(0.75);
  });

  it('returns independent objects per call', () => {
    const a = loadConfig({ env: {}, configDir: SHIPPED });
    const b = loadConfig({ env: { LOG_LEVEL: 'error' }, configDir: SHIPPED });
    expect(a.logging.level).toBe('debug');
    expect(b.logging.level).toBe('error');
  });
});
