import 'reflect-metadata';
import { Global, Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { Redis } from 'ioredis';
import { DataSource, type EntityManager } from 'typeorm';
import { allTopics, topics } from '@mlops/contracts';
import { ConfigError, loadConfig, type PlatformConfig, type ServiceName } from '@mlops/config';
import {
  connectKafkaEvents,
  createKafkaClient,
  ensureTopics,
  InMemoryIdempotencyStore,
  MessagingModule,
  TypeOrmIdempotencyStore,
  type IdempotencyStore,
} from '@mlops/messaging';
import {
  createMetricsRegistry,
  JsonLogger,
  kafkaCheck,
  NestJsonLogger,
  ObservabilityModule,
  postgresCheck,
  redisCheck,
  type HealthCheck,
} from '@mlops/observability';
import { openServiceDatabase, type ServiceDatabaseOptions } from './infra/service-database.js';
import { ServiceIdempotencyStore } from './infra/service-idempotency.store.js';
import { openServiceRedis } from './infra/service-redis.js';
import {
  ManifestError,
  manifestProblems,
  manifestTopicNames,
  type ServiceManifest,
} from './manifest/service-manifest.js';
import { defaultInstanceId, PLATFORM_CONFIG, REDIS, SERVICE_INFO, type ServiceInfo } from './service-info.js';
import { SystemModule } from './system/system.module.js';

/** What a service is and what it is wired to; `services/<name>/src/main.ts` passes it to {@link bootstrapService}. */
export interface ServiceDefinition {
  readonly name: ServiceName;
  /** The package version (`readPackageVersion(import.meta.url)`). */
  readonly version: string;
  /** The service's root module (its features); platform providers are global. */
  readonly module: Type<unknown> | DynamicModule;
  /**
   * Infrastructure besides Kafka (always used). `postgres`: a DataSource on the schema named after
   * the service (injectable as `DataSource`), migrations run at boot; `redis`: an ioredis client
   * (injectable with `@Inject(REDIS)`). Each one used gets its readiness check.
   */
  readonly uses: { readonly postgres?: boolean | ServiceDatabaseOptions; readonly redis?: boolean };
  readonly manifest: ServiceManifest;
}

export interface StartServiceOptions {
  /** Environment variables for the config (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Log sink (default stdout), for tests. */
  readonly write?: (line: string) => void;
}

/** A started service. */
export interface RunningService {
  readonly app: NestFastifyApplication;
  readonly config: PlatformConfig;
  readonly logger: JsonLogger;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Seconds from the start of {@link startService} to listening. */
  readonly bootSeconds: number;
  /**
   * Graceful stop: HTTP server closed, consumers stop fetching and finish their in-flight message,
   * commit, disconnect; then the producer, Redis, PostgreSQL and the admin client. Idempotent.
   */
  stop(): Promise<void>;
}

/** Boot failed; `cause` says why (ConfigError lists every config problem, ManifestError every manifest one). */
export class ServiceBootError extends Error {
  override readonly name = 'ServiceBootError';
  constructor(
    readonly service: string,
    readonly stage: string,
    override readonly cause: unknown,
  ) {
    super(`${service} failed to boot (${stage}): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Starts a service: loads and validates the config once, checks the manifest against the
 * contracts, creates its topics and their `.dlq` topics (idempotent), opens PostgreSQL (own schema,
 * migrations) and Redis when used, builds the NestJS app on Fastify with observability (`/health`,
 * `/health/live`, `/health/ready`, `/metrics`), the Kafka transport (group
 * `<consumer_group_prefix>.<name>`), the system ping responder and the service's module, starts the
 * consumers and listens on `HTTP_HOST` (default 127.0.0.1) at the configured port.
 *
 * Signals are not handled here (see {@link bootstrapService}); everything opened is closed again if
 * a later step fails.
 * @throws ServiceBootError naming the failed stage.
 */
export async function startService(
  definition: ServiceDefinition,
  options: StartServiceOptions = {},
): Promise<RunningService> {
  const startedAt = performance.now();
  const env = options.env ?? process.env;
  const { name, version } = definition;
  let stage = 'config';
  // Seconds spent in each boot stage, logged with "service ready" (imports: process start to here).
  const phases: Record<string, number> = { imports: round3(startedAt / 1000) };
  let phaseStart = startedAt;
  const endPhase = (): void => {
    const now = performance.now();
    phases[stage] = round3((now - phaseStart) / 1000);
    phaseStart = now;
  };
  const cleanups: (() => Promise<unknown>)[] = [];
  let logger = new JsonLogger({ service: name, ...(options.write ? { write: options.write } : {}) });
  try {
    const config = loadConfig({ env });
    logger = new JsonLogger({
      service: name,
      level: config.logging.level,
      ...(options.write ? { write: options.write } : {}),
    });

    endPhase();
    stage = 'manifest';
    const problems = manifestProblems(name, definition.manifest);
    if (problems.length > 0) throw new ManifestError(name, problems);

    endPhase();
    stage = 'kafka';
    const clientId = `${config.kafka.client_id_prefix}-${name}`;
    const groupId = `${config.kafka.consumer_group_prefix}.${name}`;
    const brokers = [...config.kafka.brokers];
    const kafkaSettings = kafkaClientSettings(config);
    const admin = createKafkaClient(
      { clientId: `${clientId}-admin`, brokers, kafka: kafkaSettings },
      logger,
    ).admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const created = await ensureTopics(admin, manifestTopicNames(definition.manifest));
    if (created.length > 0) logger.info('created topics', { topics: created });

    const checks: Record<string, HealthCheck> = { kafka: kafkaCheck(admin) };
    let dataSource: DataSource | undefined;
    endPhase();
    if (definition.uses.postgres) {
      stage = 'postgres';
      const dbOptions = typeof definition.uses.postgres === 'object' ? definition.uses.postgres : {};
      dataSource = await openServiceDatabase(config, name, dbOptions);
      const opened = dataSource;
      cleanups.push(() => opened.destroy());
      checks['postgres'] = postgresCheck(dataSource);
      endPhase();
    }
    let redis: Redis | undefined;
    if (definition.uses.redis) {
      stage = 'redis';
      redis = await openServiceRedis(config, logger);
      const opened = redis;
      cleanups.push(() => opened.quit().catch(() => opened.disconnect()));
      checks['redis'] = redisCheck(redis);
      endPhase();
    }

    stage = 'nest';
    const info: ServiceInfo = {
      name,
      version,
      instanceId: env['INSTANCE_ID'] ?? defaultInstanceId(),
      manifest: definition.manifest,
      startedAt,
    };
    const metrics = createMetricsRegistry({ service: name, version });
    const messages = metrics.counter({
      name: 'messaging_events_total',
      help: 'Events consumed, by topic and outcome (processed, duplicate, dead-lettered)',
      labelNames: ['topic', 'outcome'],
    });
    const bootGauge = metrics.gauge({
      name: 'service_boot_duration_seconds',
      help: 'Time from the start of boot to listening',
    });
    const store = idempotencyStoreFor(dataSource);
    const root = ServiceRootModule.forService({
      info,
      config,
      dataSource,
      redis,
      feature: definition.module,
      observability: ObservabilityModule.forRoot({ service: name, version, logger, metrics, checks }),
      messaging: MessagingModule.forRoot<EntityManager | undefined>({
        clientId,
        brokers,
        kafka: kafkaSettings,
        groupId,
        fromBeginning: config.kafka.auto_offset_reset === 'earliest',
        producerName: name,
        topics: allTopics,
        idempotencyStore: store,
        logger,
        onOutcome: (record, outcome) => {
          if (outcome.kind !== 'aborted') messages.inc({ topic: record.topic, outcome: outcome.kind });
        },
      }),
    });
    const app = await NestFactory.create<NestFastifyApplication>(root, new FastifyAdapter(), {
      logger: new NestJsonLogger(logger),
      abortOnError: false,
    });
    cleanups.push(() => app.close());
    const server = connectKafkaEvents(app);
    endPhase();

    stage = 'consumers';
    await app.startAllMicroservices();
    const consumes = new Set<string>(definition.manifest.consumes.map((t) => t.name));
    const unlisted = server.subscribedTopics().filter((t) => !consumes.has(t));
    if (unlisted.length > 0) {
      throw new Error(
        `handlers subscribe to ${unlisted.join(', ')}, which the manifest of ${name} does not list under consumes`,
      );
    }

    endPhase();
    stage = 'http';
    const port = config.services[name].http_port;
    const host = env['HTTP_HOST'] ?? '127.0.0.1';
    await app.listen({ port, host });
    endPhase();
    const bootSeconds = (performance.now() - startedAt) / 1000;
    bootGauge.set(bootSeconds);
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    logger.info('service ready', {
      url,
      version,
      instanceId: info.instanceId,
      consumerGroup: groupId,
      subscribedTopics: server.subscribedTopics(),
      produces: definition.manifest.produces.map((t) => t.name),
      uses: Object.keys(checks),
      bootSeconds: round3(bootSeconds),
      phaseSeconds: phases,
    });

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        logger.info('stopping: closing HTTP, consumers (after in-flight work), producer, connections');
        await closeAll(cleanups, logger);
        logger.info('stopped');
      })());
    return { app, config, logger, url, bootSeconds, stop };
  } catch (error) {
    await closeAll(cleanups, logger);
    throw new ServiceBootError(name, stage, error);
  }
}

/**
 * The entry point of a service process: {@link startService}, then graceful shutdown on SIGTERM and
 * SIGINT (exit 0 once everything is closed; exit 1 after 30 s or on a second signal). A boot
 * failure is logged (a ConfigError lists every problem, on stderr too) and exits 1.
 */
export async function bootstrapService(definition: ServiceDefinition): Promise<RunningService> {
  let service: RunningService | undefined;
  let signalled: NodeJS.Signals | undefined;
  const shutdown = (running: RunningService, signal: NodeJS.Signals): void => {
    running.logger.info('shutdown requested', { signal });
    setTimeout(() => {
      running.logger.error('shutdown took longer than 30 s: exiting');
      process.exit(1);
    }, 30_000).unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.error('shutdown failed', {
          error: error instanceof Error ? error.message : String(error),
        });
        process.exit(1);
      },
    );
  };
  // Installed before booting: a SIGTERM that arrives mid-boot is honoured once the consumers are up,
  // so they leave their group cleanly instead of holding partitions until the session times out.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled !== undefined) {
      process.stderr.write(`${definition.name}: second ${signal} during shutdown: exiting now\n`);
      process.exit(1);
    }
    signalled = signal;
    if (service !== undefined) shutdown(service, signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    service = await startService(definition);
  } catch (error) {
    const cause = error instanceof ServiceBootError ? error.cause : error;
    const explained = cause instanceof ConfigError || cause instanceof ManifestError;
    const logger = new JsonLogger({ service: definition.name });
    logger.fatal(error instanceof Error ? error.message : String(error), {
      ...(cause instanceof ConfigError ? { issues: cause.issues } : {}),
      ...(cause instanceof ManifestError ? { problems: cause.problems } : {}),
      ...(!explained && cause instanceof Error && cause.stack ? { stack: cause.stack } : {}),
    });
    // The list of problems, readable, for whoever started the process by hand.
    if (explained) process.stderr.write(`${cause.message}\n`);
    process.exit(1);
  }
  if (signalled !== undefined) shutdown(service, signalled);
  return service;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function idempotencyStoreFor(
  dataSource: DataSource | undefined,
): IdempotencyStore<EntityManager | undefined> {
  if (dataSource === undefined) return new InMemoryIdempotencyStore();
  return new ServiceIdempotencyStore<EntityManager | undefined>(
    new TypeOrmIdempotencyStore(dataSource),
    new Set<string>([topics.systemPing.name]),
    dataSource.manager,
  );
}

function kafkaClientSettings(
  config: PlatformConfig,
): Omit<KafkaConfig, 'clientId' | 'brokers' | 'logCreator'> {
  const { kafka } = config;
  let sasl: SASLOptions | undefined;
  if (kafka.sasl !== null) {
    sasl = {
      mechanism: kafka.sasl.mechanism,
      username: kafka.sasl.username,
      password: kafka.sasl.password,
    } as SASLOptions;
  }
  return {
    connectionTimeout: kafka.connection_timeout_ms,
    requestTimeout: kafka.request_timeout_ms,
    ssl: kafka.ssl,
    ...(sasl !== undefined ? { sasl } : {}),
  };
}

/** Runs the cleanups in reverse order of opening; one failing does not stop the others. */
async function closeAll(cleanups: (() => Promise<unknown>)[], logger: JsonLogger): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop() as () => Promise<unknown>;
    try {
      await cleanup();
    } catch (error) {
      logger.warn('error while closing', { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

interface RootParts {
  info: ServiceInfo;
  config: PlatformConfig;
  dataSource: DataSource | undefined;
  redis: Redis | undefined;
  feature: Type<unknown> | DynamicModule;
  observability: DynamicModule;
  messaging: DynamicModule;
}

/** Global platform providers: SERVICE_INFO, PLATFORM_CONFIG, and `DataSource` / REDIS when used. */
@Global()
@Module({})
class ServiceCoreModule {
  static forService(parts: RootParts): DynamicModule {
    const providers = [
      { provide: SERVICE_INFO, useValue: parts.info },
      { provide: PLATFORM_CONFIG, useValue: parts.config },
      ...(parts.dataSource ? [{ provide: DataSource, useValue: parts.dataSource }] : []),
      ...(parts.redis ? [{ provide: REDIS, useValue: parts.redis }] : []),
    ];
    return { module: ServiceCoreModule, global: true, providers, exports: providers.map((p) => p.provide) };
  }
}

@Module({})
class ServiceRootModule {
  static forService(parts: RootParts): DynamicModule {
    return {
      module: ServiceRootModule,
      imports: [
        parts.observability,
        parts.messaging,
        ServiceCoreModule.forService(parts),
        SystemModule,
        parts.feature,
      ],
    };
  }
}
