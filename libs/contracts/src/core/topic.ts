import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { envelopeSchema, type Envelope } from './envelope.js';

/** Versioned dotted topic names: `mlops.<domain>.<event>.v<N>`. A breaking change is a new `.vN+1` topic. */
export type TopicName = `mlops.${string}.v${number}`;

/**
 * A topic declared once: its name, the schema of its payload, and how a payload is keyed (the
 * entity id, so ordering holds per entity).
 */
export interface TopicContract<N extends TopicName = TopicName, S extends z.ZodType = z.ZodType> {
  readonly name: N;
  readonly version: number;
  readonly description: string;
  readonly schema: S;
  readonly key: (payload: z.infer<S>) => string;
}

export type PayloadOf<T> = T extends TopicContract<TopicName, infer S> ? z.infer<S> : never;
export type EventOf<T> = Envelope<PayloadOf<T>>;

export function defineTopic<N extends TopicName, S extends z.ZodType>(def: {
  name: N;
  description: string;
  schema: S;
  key: (payload: z.infer<S>) => string;
}): TopicContract<N, S> {
  const match = /\.v(\d+)$/.exec(def.name);
  if (!match) throw new Error(`topic name "${def.name}" must end with .v<version>`);
  return Object.freeze({ ...def, version: Number(match[1]) });
}

/** Name of the dead-letter topic of a topic. */
export function dlqTopicOf(name: string): string {
  return `${name}.dlq`;
}

export interface CreateEventOptions {
  producer: string;
  correlationId?: string;
  eventId?: string;
  occurredAt?: Date;
}

/** Builds an envelope for a payload; throws a ValidationError when the payload breaks the schema. */
export function createEvent<T extends TopicContract>(
  topic: T,
  payload: PayloadOf<T>,
  options: CreateEventOptions,
): EventOf<T> {
  const parsed = topic.schema.safeParse(payload);
  if (!parsed.success) throw new ContractValidationError(topic.name, parsed.error);
  const eventId = options.eventId ?? randomUUID();
  return {
    eventId,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    producer: options.producer,
    schemaVersion: topic.version,
    correlationId: options.correlationId ?? eventId,
    payload: parsed.data as PayloadOf<T>,
  };
}

export type ParseResult<T extends TopicContract> =
  | { ok: true; event: EventOf<T> }
  | { ok: false; reason: string };

/** Parses a raw message value (JSON text or object) into a validated event of the topic. */
export function parseEvent<T extends TopicContract>(topic: T, raw: unknown): ParseResult<T> {
  let value: unknown = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { ok: false, reason: `value is not JSON: ${(error as Error).message}` };
    }
  }
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) return { ok: false, reason: `envelope: ${formatIssues(envelope.error)}` };
  if (envelope.data.schemaVersion !== topic.version) {
    return {
      ok: false,
      reason: `schemaVersion ${envelope.data.schemaVersion} does not match topic ${topic.name} (v${topic.version})`,
    };
  }
  const payload = topic.schema.safeParse(envelope.data.payload);
  if (!payload.success) return { ok: false, reason: `payload: ${formatIssues(payload.error)}` };
  return { ok: true, event: { ...envelope.data, payload: payload.data as PayloadOf<T> } };
}

export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

export class ContractValidationError extends Error {
  constructor(
    readonly topic: string,
    readonly zodError: z.ZodError,
  ) {
    super(`invalid payload for ${topic}: ${formatIssues(zodError)}`);
    this.name = 'ContractValidationError';
  }
}
