import { JsonLogger, type JsonLoggerOptions } from './json-logger.js';
import { isSecretKey, maskUrlPasswords, redact } from './redact.js';

function capture(options: Partial<JsonLoggerOptions> = {}): {
  logger: JsonLogger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = new JsonLogger({
    service: 'drift',
    now: () => new Date('2026-01-02T03:04:05.678Z'),
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    ...options,
  });
  return { logger, lines };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with time, level, service and message', () => {
    const raw: string[] = [];
    const logger = new JsonLogger({ service: 'serving', write: (l) => raw.push(l), now: () => new Date(0) });
    logger.info('model loaded', { modelVersion: 7 });
    expect(raw).toEqual([
      '{"time":"1970-01-01T00:00:00.000Z","level":"info","service":"serving","msg":"model loaded","modelVersion":7}',
    ]);
  });

  it('drops lines below its level', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(lines.map((l) => l['level'])).toEqual(['warn', 'error', 'fatal']);
    expect(logger.isLevelEnabled('info')).toBe(false);
  });

  it('binds ids with child() without changing the parent', () => {
    const { logger, lines } = capture();
    const run = logger.child({ runId: 'run-1', correlationId: 'c-1' });
    const event = run.child({ eventId: 'e-1', trainingJobId: 'job-9', modelVersion: '3' });
    event.info('trial done', { trial: 4 });
    logger.info('plain');
    expect(lines[0]).toEqual({
      time: '2026-01-02T03:04:05.678Z',
      level: 'info',
      service: 'drift',
      msg: 'trial done',
      runId: 'run-1',
      correlationId: 'c-1',
      eventId: 'e-1',
      trainingJobId: 'job-9',
      modelVersion: '3',
      trial: 4,
    });
    expect(lines[1]).toEqual({
      time: '2026-01-02T03:04:05.678Z',
      level: 'info',
      service: 'drift',
      msg: 'plain',
    });
  });

  it('never writes secrets: secret-named fields, URL passwords, error messages', () => {
    const { logger, lines } = capture();
    const err = new Error('connect failed for postgres://mlops:hunter2@db:5432/mlops');
    logger.child({ password: 'p1' }).error('boot failed: redis://:r3dis@cache:6379', {
      database: { url: 'postgres://mlops:hunter2@db:5432/mlops', password: 'hunter2' },
      headers: { Authorization: 'Bearer abc', 'x-api-key': 'k' },
      REGISTRY_S3_SECRET_KEY: 's3',
      slackWebhookUrl: 'https://hooks.slack.com/x',
      err,
    });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['hunter2', 'r3dis', 'Bearer abc', '"k"', '"s3"', 'hooks.slack.com', '"p1"'])
      expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      msg: 'boot failed: redis://:***@cache:6379',
      password: '[REDACTED]',
      database: { url: 'postgres://mlops:***@db:5432/mlops', password: '[REDACTED]' },
      err: { type: 'Error', message: 'connect failed for postgres://mlops:***@db:5432/mlops' },
    });
  });

  it('keeps reserved keys from being overwritten by fields', () => {
    const { logger, lines } = capture();
    logger.info('real', { msg: 'fake', level: 'fatal', service: 'other' });
    expect(lines[0]).toMatchObject({
      msg: 'real',
      level: 'info',
      service: 'drift',
      field_msg: 'fake',
      field_level: 'fatal',
      field_service: 'other',
    });
  });

  it('rejects an empty service name and an unknown level', () => {
    expect(() => new JsonLogger({ service: ' ' })).toThrow(
      'JsonLogger: options.service must name the service',
    );
    expect(() => new JsonLogger({ service: 'x', level: 'loud' as never })).toThrow(
      'options.level "loud" is not one of',
    );
  });
});

describe('redact', () => {
  it('names secret keys word-wise', () => {
    for (const k of [
      'password',
      'dbPassword',
      'DATABASE_PASSWORD',
      'secret_access_key',
      'access_key_id',
      'api-key',
      'apiKey',
      'Authorization',
      'cookie',
      'slack_webhook_url',
      'refreshToken',
      'credentials',
    ]) {
      expect([k, isSecretKey(k)]).toEqual([k, true]);
    }
    for (const k of [
      'eventId',
      'max_tokens',
      'tokenizer',
      'passenger',
      'keyPrefix',
      'monthly_charges',
      'url',
    ]) {
      expect([k, isSecretKey(k)]).toEqual([k, false]);
    }
  });

  it('masks only the password part of URLs', () => {
    expect(maskUrlPasswords('postgres://user:pass@host/db')).toBe('postgres://user:***@host/db');
    expect(maskUrlPasswords('amqp://user@host and http://host:80/a@b')).toBe(
      'amqp://user@host and http://host:80/a@b',
    );
  });

  it('handles cycles, depth, bigint, dates, typed arrays and nulls', () => {
    const a: Record<string, unknown> = {
      n: 1n,
      when: new Date(0),
      bytes: new Float32Array(4),
      password: null,
    };
    a['self'] = a;
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 12; i++) deep = { deep };
    expect(redact(a)).toEqual({
      n: '1',
      when: '1970-01-01T00:00:00.000Z',
      bytes: '[Float32Array 16 bytes]',
      password: null,
      self: '[Circular]',
    });
    expect(JSON.stringify(redact(deep))).toContain('[Truncated]');
  });
});
