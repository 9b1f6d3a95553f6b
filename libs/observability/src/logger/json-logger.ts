import { maskUrlPasswords, redact } from './redact.js';

/** Log levels, lowest first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Ids bound to a logger with {@link JsonLogger.child}; every line it writes carries them.
 * Other keys are allowed (component, topic, partition...).
 */
export interface LogBindings {
  eventId?: string;
  correlationId?: string;
  runId?: string;
  modelVersion?: string | number;
  trainingJobId?: string;
  [key: string]: unknown;
}

export interface JsonLoggerOptions {
  /** Service name written on every line (`service`). */
  readonly service: string;
  /** Lowest level written (default `info`). */
  readonly level?: LogLevel;
  /** Fields bound to every line. */
  readonly bindings?: LogBindings;
  /** Where a finished line goes (default: process.stdout, one line per record). */
  readonly write?: (line: string) => void;
  /** Time source (default `() => new Date()`). */
  readonly now?: () => Date;
}

const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const RESERVED = new Set(['time', 'level', 'service', 'msg']);

const stdoutWrite = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * Structured logger writing one JSON object per line:
 * `{"time":"2026-...Z","level":"info","service":"drift","msg":"...",<bindings>,<fields>}`.
 * Secrets never reach the output: fields named like secrets are `[REDACTED]` and URL passwords
 * are masked (`postgres://user:***@host`), in the message too.
 */
export class JsonLogger {
  readonly service: string;
  readonly level: LogLevel;
  private readonly bindings: Readonly<LogBindings>;
  private readonly write: (line: string) => void;
  private readonly now: () => Date;

  constructor(options: JsonLoggerOptions) {
    if (options.service.trim() === '') throw new Error('JsonLogger: options.service must name the service');
    const level = options.level ?? 'info';
    if (!(level in RANK))
      throw new Error(`JsonLogger: options.level "${String(level)}" is not one of ${LOG_LEVELS.join(', ')}`);
    this.service = options.service;
    this.level = level;
    this.bindings = Object.freeze({ ...(options.bindings ?? {}) });
    this.write = options.write ?? stdoutWrite;
    this.now = options.now ?? (() => new Date());
  }

  /** A logger that adds `bindings` (eventId, correlationId, runId, ...) to every line; later keys win. */
  child(bindings: LogBindings): JsonLogger {
    return new JsonLogger({
      service: this.service,
      level: this.level,
      bindings: { ...this.bindings, ...bindings },
      write: this.write,
      now: this.now,
    });
  }

  /** True when a line of `level` would be written. */
  isLevelEnabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  trace(msg: string, fields?: Record<string, unknown>): void {
    this.log('trace', msg, fields);
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }
  fatal(msg: string, fields?: Record<string, unknown>): void {
    this.log('fatal', msg, fields);
  }

  /** Writes one line at `level` (no-op below the logger's level). */
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (!this.isLevelEnabled(level)) return;
    const record: Record<string, unknown> = {
      time: this.now().toISOString(),
      level,
      service: this.service,
      msg: maskUrlPasswords(msg),
    };
    const extra = redact({ ...this.bindings, ...(fields ?? {}) }) as Record<string, unknown>;
    for (const [k, v] of Object.entries(extra)) {
      if (v !== undefined) record[RESERVED.has(k) ? `field_${k}` : k] = v;
    }
    this.write(JSON.stringify(record));
  }
}
