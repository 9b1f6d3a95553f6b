import { maskUrlPasswords } from '../logger/redact.js';

/**
 * A readiness check: resolves when the dependency answers, rejects (or is timed out) when not.
 * It may resolve to details shown in the report (`{ brokers: 3 }`). `signal` aborts on timeout.
 */
export type HealthCheck = (signal: AbortSignal) => Promise<void | Record<string, unknown>>;

export interface HealthCheckOptions {
  /** Time allowed before the check counts as down (default: the registry's, 2000 ms). */
  readonly timeoutMs?: number;
}

export interface CheckResult {
  readonly status: 'up' | 'down';
  /** Wall time of the check in milliseconds (the timeout when it timed out). */
  readonly latencyMs: number;
  readonly error?: string;
  readonly details?: Record<string, unknown>;
}

export interface ReadinessReport {
  readonly status: 'ready' | 'not_ready';
  readonly service: string;
  readonly version: string;
  readonly checks: Readonly<Record<string, CheckResult>>;
}

export interface LivenessReport {
  readonly status: 'up';
  readonly service: string;
  readonly version: string;
  readonly uptimeSeconds: number;
}

export interface HealthRegistryOptions {
  readonly service: string;
  readonly version?: string;
  /** Default timeout of a check in milliseconds (default 2000). */
  readonly defaultTimeoutMs?: number;
}

interface Entry {
  readonly check: HealthCheck;
  readonly timeoutMs: number;
}

/**
 * Named readiness checks of a service, framework-free. Liveness is "the process answers";
 * readiness runs every check in parallel, each under its timeout, and is ready only when all
 * pass (a service with no checks is ready).
 */
export class HealthRegistry {
  readonly service: string;
  readonly version: string;
  private readonly defaultTimeoutMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly startedAt = performance.now();

  constructor(options: HealthRegistryOptions) {
    this.service = options.service;
    this.version = options.version ?? '0.0.0';
    this.defaultTimeoutMs = positive(options.defaultTimeoutMs ?? 2000, 'defaultTimeoutMs');
  }

  /** Adds a named check (`kafka`, `postgres`, `redis`, ...); a name may be registered once. */
  register(name: string, check: HealthCheck, options: HealthCheckOptions = {}): this {
    if (name.trim() === '') throw new Error('HealthRegistry.register: name must not be empty');
    if (this.entries.has(name))
      throw new Error(`HealthRegistry.register: a check named "${name}" is already registered`);
    this.entries.set(name, {
      check,
      timeoutMs: positive(options.timeoutMs ?? this.defaultTimeoutMs, 'timeoutMs'),
    });
    return this;
  }

  /** Names of the registered checks, in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  liveness(): LivenessReport {
    return {
      status: 'up',
      service: this.service,
      version: this.version,
      uptimeSeconds: Math.round((performance.now() - this.startedAt) / 10) / 100,
    };
  }

  /** Runs every check in parallel; `ready` only if all are `up`. */
  async readiness(): Promise<ReadinessReport> {
    const names = this.names();
    const results = await Promise.all(names.map((name) => runCheck(this.entries.get(name) as Entry)));
    const checks: Record<string, CheckResult> = {};
    names.forEach((name, i) => (checks[name] = results[i] as CheckResult));
    return {
      status: results.every((r) => r.status === 'up') ? 'ready' : 'not_ready',
      service: this.service,
      version: this.version,
      checks,
    };
  }
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new Error(`HealthRegistry: ${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}

async function runCheck(entry: Entry): Promise<CheckResult> {
  const controller = new AbortController();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`timed out after ${entry.timeoutMs} ms`);
      controller.abort(err);
      reject(err);
    }, entry.timeoutMs);
  });
  try {
    const details = await Promise.race([
      Promise.resolve().then(() => entry.check(controller.signal)),
      timeout,
    ]);
    return {
      status: 'up',
      latencyMs: elapsed(started),
      ...(details !== undefined && details !== null ? { details } : {}),
    };
  } catch (err) {
    return { status: 'down', latencyMs: elapsed(started), error: describeError(err) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return maskUrlPasswords(err.errors.map((e) => describeError(e)).join('; '));
  }
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    const text = err.message !== '' ? err.message : err.name;
    return maskUrlPasswords(typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text);
  }
  return maskUrlPasswords(String(err));
}
