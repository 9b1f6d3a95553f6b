import { resolve } from 'node:path';
import {
  configReference,
  databaseConnectionUrl,
  ENV_OVERRIDES,
  loadConfig,
  maskUrlPasswords,
  parseEnvValue,
  REDACTED,
  redactConfig,
  secretKeys,
} from './index.js';

const SHIPPED = resolve(process.cwd(), 'config');

describe('secrets', () => {
  it('derives the secret keys from the schema', () => {
    expect([...secretKeys].sort()).toEqual([
      'database.password',
      'kafka.sasl.password',
      'pipeline.alerts.slack_webhook_url',
      'redis.password',
      'registry.s3.access_key_id',
      'registry.s3.secret_access_key',
    ]);
  });

  it('marks the variables of secret keys as secret, and only those', () => {
    const secretVars = ENV_OVERRIDES.filter((o) => o.secret).map((o) => o.path.join('.'));
    expect([...secretVars].sort()).toEqual([...secretKeys].sort());
  });

  it('redacts secret values and URL passwords, leaving the loaded config untouched', () => {
    const config = loadConfig({
      configDir: SHIPPED,
      env: {
        DATABASE_PASSWORD: 'db-s3cret',
        REDIS_PASSWORD: 'redis-s3cret',
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD: 'kafka-s3cret',
        REGISTRY_STORAGE: 's3',
        REGISTRY_S3_ENDPOINT: 'https://s3.example.com',
        REGISTRY_S3_BUCKET: 'models',
        REGISTRY_S3_REGION: 'eu-west-1',
        REGISTRY_S3_ACCESS_KEY: 'AKIAEXAMPLE',
        REGISTRY_S3_SECRET_KEY: 's3-s3cret',
        SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/s3cret',
      },
    });
    const redacted = redactConfig(config);
    const text = JSON.stringify(redacted);
    for (const secret of [
      'db-s3cret',
      'redis-s3cret',
      'kafka-s3cret',
      'AKIAEXAMPLE',
      's3-s3cret',
      'hooks.slack.com',
      ':mlops@',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(redacted.database.password).toBe(REDACTED);
    expect(redacted.kafka.sasl?.password).toBe(REDACTED);
    expect(redacted.kafka.sasl?.username).toBe('svc');
    expect(redacted.database.url).toBe('postgres://mlops:***@127.0.0.1:5432/mlops');
    expect(config.database.password).toBe('db-s3cret');
    expect(config.database.url).toBe('postgres://mlops:mlops@127.0.0.1:5432/mlops');
  });

  it('keeps null secrets null (nothing to hide, and the shape says it is unset)', () => {
    const redacted = redactConfig(loadConfig({ configDir: SHIPPED, env: {} }));
    expect(redacted.redis.password).toBeNull();
    expect(redacted.registry.s3).toBeNull();
  });

  it('masks passwords in URLs', () => {
    expect(maskUrlPasswords('connect postgres://user:pa55@db:5432/x and redis://:r3d@cache:6379')).toBe(
      'connect postgres://user:***@db:5432/x and redis://:***@cache:6379',
    );
    expect(maskUrlPasswords('http://host:8080/path@x')).toBe('http://host:8080/path@x');
  });

  it('puts DATABASE_PASSWORD into the connection URL', () => {
    const config = loadConfig({
      configDir: SHIPPED,
      env: { MLOPS_ENV: 'staging', DATABASE_PASSWORD: 'p@ss/word' },
    });
    expect(databaseConnectionUrl(config)).toBe('postgres://mlops:p%40ss%2Fword@postgres:5432/mlops');
    expect(databaseConnectionUrl(loadConfig({ configDir: SHIPPED, env: {} }))).toBe(
      'postgres://mlops:mlops@127.0.0.1:5432/mlops',
    );
  });
});

describe('configReference', () => {
  it('gives every key a description', () => {
    const keys = configReference();
    expect(keys.length).toBeGreaterThan(150);
    expect(
      keys.filter((k) => k.description === undefined || k.description.length < 3).map((k) => k.path),
    ).toEqual([]);
    expect(keys.find((k) => k.path === 'database.password')).toEqual({
      path: 'database.password',
      description: 'Replaces the password of url when set (secret)',
      secret: true,
    });
  });
});

describe('parseEnvValue', () => {
  const byName = (name: string) => {
    const o = ENV_OVERRIDES.find((x) => x.name === name);
    if (o === undefined) throw new Error(`no variable ${name}`);
    return o;
  };
  it('converts lists, integers and booleans, and names the variable when it cannot', () => {
    expect(parseEnvValue(byName('KAFKA_BROKERS'), 'a:1,,b:2 ')).toEqual({ ok: true, value: ['a:1', 'b:2'] });
    expect(parseEnvValue(byName('KAFKA_BROKERS'), ',')).toEqual({
      ok: false,
      message: 'KAFKA_BROKERS lists no value',
    });
    expect(parseEnvValue(byName('TRAINING_HTTP_PORT'), '3104')).toEqual({ ok: true, value: 3104 });
    expect(parseEnvValue(byName('TRAINING_HTTP_PORT'), '31.5')).toEqual({
      ok: false,
      message: 'TRAINING_HTTP_PORT="31.5" is not an integer',
    });
    expect(parseEnvValue(byName('KAFKA_SSL'), 'YES')).toEqual({ ok: true, value: true });
    expect(parseEnvValue(byName('KAFKA_SSL'), 'maybe')).toEqual({
      ok: false,
      message: 'KAFKA_SSL="maybe" is not a boolean (true/false)',
    });
  });
});
