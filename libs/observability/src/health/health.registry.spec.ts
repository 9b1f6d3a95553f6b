import { kafkaCheck, postgresCheck, redisCheck } from './checks.js';
import { HealthRegistry } from './health.registry.js';

describe('HealthRegistry', () => {
  it('is live and, with no checks, ready', async () => {
    const health = new HealthRegistry({ service: 'drift', version: '1.0.0' });
    expect(health.liveness()).toMatchObject({ status: 'up', service: 'drift', version: '1.0.0' });
    expect(await health.readiness()).toEqual({
      status: 'ready',
      service: 'drift',
      version: '1.0.0',
      checks: {},
    });
  });

  it('is ready when every check passes, with latency and details per check', async () => {
    const health = new HealthRegistry({ service: 'drift' })
      .register('postgres', async () => undefined)
      .register('kafka', async () => ({ brokers: 1 }));
    const report = await health.readiness();
    expect(report.status).toBe('ready');
    expect(Object.keys(report.checks)).toEqual(['postgres', 'kafka']);
    expect(report.checks['kafka']).toMatchObject({ status: 'up', details: { brokers: 1 } });
    expect(report.checks['postgres']?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('is not ready when one check fails; the error says why, without passwords', async () => {
    const health = new HealthRegistry({ service: 'drift' })
      .register('postgres', async () => {
        throw Object.assign(
          new Error('connect ECONNREFUSED 127.0.0.1:1 (postgres://mlops:mlops@127.0.0.1:1/mlops)'),
          { code: 'ECONNREFUSED' },
        );
      })
      .register('redis', async () => undefined);
    const report = await health.readiness();
    expect(report.status).toBe('not_ready');
    expect(report.checks['redis']?.status).toBe('up');
    expect(report.checks['postgres']).toMatchObject({
      status: 'down',
      error: 'connect ECONNREFUSED 127.0.0.1:1 (postgres://mlops:***@127.0.0.1:1/mlops)',
    });
  });

  it('times out a hanging check, aborts its signal, and runs checks in parallel', async () => {
    let aborted = false;
    const health = new HealthRegistry({ service: 'drift', defaultTimeoutMs: 1000 })
      .register(
        'hangs',
        (signal) => new Promise(() => signal.addEventListener('abort', () => (aborted = true))),
        { timeoutMs: 50 },
      )
      .register('slow', () => new Promise((resolve) => setTimeout(resolve, 40)));
    const started = performance.now();
    const report = await health.readiness();
    const wall = performance.now() - started;
    expect(report.checks['hangs']).toMatchObject({ status: 'down', error: 'timed out after 50 ms' });
    expect(report.checks['hangs']?.latencyMs).toBeGreaterThanOrEqual(49);
    expect(report.checks['slow']?.status).toBe('up');
    expect(aborted).toBe(true);
    expect(wall).toBeLessThan(90 + 200); // parallel: ~50 ms, not 50 + 40 ms plus slack
  });

  it('counts a synchronous throw as down', async () => {
    const health = new HealthRegistry({ service: 'x' }).register('bad', () => {
      throw new TypeError('not a client');
    });
    expect((await health.readiness()).checks['bad']).toMatchObject({ status: 'down', error: 'not a client' });
  });

  it('refuses duplicate or empty names and bad timeouts', () => {
    const health = new HealthRegistry({ service: 'x' }).register('redis', async () => undefined);
    expect(() => health.register('redis', async () => undefined)).toThrow(
      'a check named "redis" is already registered',
    );
    expect(() => health.register('', async () => undefined)).toThrow('name must not be empty');
    expect(() => health.register('pg', async () => undefined, { timeoutMs: 0 })).toThrow(
      'timeoutMs must be a positive number of milliseconds, got 0',
    );
  });
});

describe('ready-made checks', () => {
  it('postgres runs SELECT 1 on the given DataSource or Pool', async () => {
    const seen: string[] = [];
    await postgresCheck({ query: async (sql) => void seen.push(sql) })(new AbortController().signal);
    expect(seen).toEqual(['SELECT 1']);
  });

  it('redis wants PONG', async () => {
    await expect(
      redisCheck({ ping: async () => 'PONG' })(new AbortController().signal),
    ).resolves.toBeUndefined();
    await expect(redisCheck({ ping: async () => 'LOADING' })(new AbortController().signal)).rejects.toThrow(
      'PING answered "LOADING" instead of PONG',
    );
  });

  it('kafka wants at least one broker', async () => {
    const check = kafkaCheck({
      describeCluster: async () => ({ brokers: [{ nodeId: 1 }], clusterId: 'abc', controller: 1 }),
    });
    await expect(check(new AbortController().signal)).resolves.toEqual({ brokers: 1, clusterId: 'abc' });
    await expect(
      kafkaCheck({ describeCluster: async () => ({ brokers: [] }) })(new AbortController().signal),
    ).rejects.toThrow('the cluster lists no broker');
  });
});
