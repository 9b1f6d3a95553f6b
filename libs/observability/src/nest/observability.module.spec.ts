import 'reflect-metadata';
import { Controller, Get, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { HealthRegistry } from '../health/health.registry.js';
import { JsonLogger } from '../logger/json-logger.js';
import { NestJsonLogger } from './nest-logger.adapter.js';
import { ObservabilityModule } from './observability.module.js';

@Controller('models')
class ModelsController {
  @Get(':name')
  get(): { ok: true } {
    return { ok: true };
  }
}

/** A dependency that registers its own check, the way a service's database module does. */
@Injectable()
class FakeDatabase implements OnModuleInit {
  up = true;
  constructor(@Inject(HealthRegistry) private readonly health: HealthRegistry) {}
  onModuleInit(): void {
    this.health.register('postgres', async () => {
      if (!this.up) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    });
  }
}

async function boot(lines: string[]): Promise<{ app: NestFastifyApplication; db: FakeDatabase }> {
  const logger = new JsonLogger({ service: 'registry', write: (l) => lines.push(l) });
  @Module({
    imports: [
      ObservabilityModule.forRoot({
        service: 'registry',
        version: '0.1.0',
        logger,
        checks: { redis: { check: async () => undefined, timeoutMs: 500 } },
      }),
    ],
    controllers: [ModelsController],
    providers: [FakeDatabase],
  })
  class AppModule {}
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
    logger: new NestJsonLogger(logger),
    abortOnError: false,
  });
  await app.listen(0, '127.0.0.1');
  return { app, db: app.get(FakeDatabase) };
}

/**
 * A real HTTP request to the app on an ephemeral loopback port (Fastify's in-process `inject`
 * needs light-my-request, which cannot load under Jest's ESM mode on Node 20).
 */
async function inject(app: NestFastifyApplication, request: { method: 'GET'; url: string }) {
  const res = await fetch(new URL(request.url, await app.getUrl()), { method: request.method });
  const body = await res.text();
  return {
    statusCode: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    body,
    json: (): unknown => JSON.parse(body),
  };
}

describe('ObservabilityModule (NestJS on Fastify)', () => {
  const lines: string[] = [];
  let app: NestFastifyApplication;
  let db: FakeDatabase;
  beforeAll(async () => ({ app, db } = await boot(lines)));
  afterAll(async () => app.close());

  it('answers liveness', async () => {
    const res = await inject(app, { method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'up', service: 'registry', version: '0.1.0' });
  });

  it('is ready with per-check status and latency when every check passes', async () => {
    db.up = true;
    for (const url of ['/health/ready', '/health']) {
      const res = await inject(app, { method: 'GET', url });
      expect(res.statusCode).toBe(200);
      const body = res.json() as {
        status: string;
        checks: Record<string, { status: string; latencyMs: number }>;
      };
      expect(body.status).toBe('ready');
      expect(Object.keys(body.checks).sort()).toEqual(['postgres', 'redis']);
      expect(body.checks['postgres']?.status).toBe('up');
      expect(typeof body.checks['redis']?.latencyMs).toBe('number');
    }
  });

  it('answers 503 with the failing check when a dependency is down', async () => {
    db.up = false;
    const res = await inject(app, { method: 'GET', url: '/health/ready' });
    db.up = true;
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'not_ready',
      service: 'registry',
      checks: {
        postgres: { status: 'down', error: 'connect ECONNREFUSED 127.0.0.1:5432' },
        redis: { status: 'up' },
      },
    });
  });

  it('serves /metrics in Prometheus text format with HTTP metrics by route template', async () => {
    await inject(app, { method: 'GET', url: '/models/churn-predictor' });
    await inject(app, { method: 'GET', url: '/models/other' });
    await inject(app, { method: 'GET', url: '/nope' });
    const res = await inject(app, { method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toContain(
      'http_requests_total{method="GET",route="/models/:name",status="200",service="registry"} 2',
    );
    expect(res.body).toContain(
      'http_requests_total{method="GET",route="unmatched",status="404",service="registry"} 1',
    );
    expect(res.body).toContain(
      'http_requests_total{method="GET",route="/health/ready",status="503",service="registry"} 1',
    );
    expect(res.body).toContain('build_info{version="0.1.0",service="registry"} 1');
    expect(res.body).toMatch(/process_resident_memory_bytes\{service="registry"\} \d+/);
  });

  it("writes Nest's own log lines as JSON through the logger", () => {
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(
      parsed.some(
        (l) => l['service'] === 'registry' && l['context'] === 'RoutesResolver' && l['level'] === 'info',
      ),
    ).toBe(true);
  });
});

describe('NestJsonLogger', () => {
  it('maps context, stack and levels', () => {
    const lines: Record<string, unknown>[] = [];
    const nest = new NestJsonLogger(
      new JsonLogger({
        service: 's',
        level: 'trace',
        write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
      }),
    );
    nest.error('boom', 'Error: boom\n    at x', 'Bootstrap');
    nest.verbose('details', 'Injector');
    nest.warn({ odd: true, password: 'p' });
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: 'boom',
      stack: 'Error: boom\n    at x',
      context: 'Bootstrap',
    });
    expect(lines[1]).toMatchObject({ level: 'trace', msg: 'details', context: 'Injector' });
    expect(lines[2]).toMatchObject({
      level: 'warn',
      msg: 'object',
      detail: { odd: true, password: '[REDACTED]' },
    });
  });
});
