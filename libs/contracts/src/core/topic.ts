import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Party } from '../common/services.js';
import { envelopeSchema, readEnvelope, type Envelope } from './envelope.js';

/**
 * Versioned dotted topic names: `mlops.<domain>.<event>.v<N>`. A breaking change is a new `.vN+1`
 * topic. The type only checks the prefix (a template literal `...v${number}` cannot match names
 * like `mlops.data.validation-completed.v1`: TypeScript does not backtrack); {@link defineTopic}
 * checks the whole pattern {@link TOPIC_NAME_PATTERN} at run time.
 */
export type TopicName = `mlops.${string}`;

/**
 * `mlops.<domain>.<event>[.<more>].v<N>`: a lowercase domain, then lowercase kebab-case segments
 * (digits allowed after the first letter, for per-run test topics). Group 1 is the version.
 */
export const TOPIC_NAME_PATTERN = /^mlops\.[a-z]+(?:\.[a-z][a-z0-9-]*)+\.v(\d+)$/;

/**
 * A topic declared once: its name, the schema of its payload, and how a payload is keyed (the
 * entity id, so ordering holds per entity).
 */
export interface TopicContract<N extends TopicName = TopicName, S extends z.ZodType = z.ZodType> {
  readonly name: N;
  /** The `N` of the `.vN` suffix; equals the envelope's `schemaVersion`. */
  readonly version: number;
  readonly description: string;
  readonly schema: S;
  /** The Kafka message key of a payload: the id of the entity whose events must stay ordered. */
  key(payload: z.infer<S>): string;
  /** What the key is, for people: `datasetId`, `modelName`, ... (empty when not documented). */
  readonly keyField: string;
  /** Who publishes on the topic. */
  readonly producers: readonly Party[];
  /** Who subscribes to the topic. */
  readonly consumers: readonly Party[];
  /**
   * Optional fast path of `schema` for hot topics: true only for payloads the schema accepts and
   * returns unchanged (no transforms, no defaults); false sends the payload to zod, which decides
   * and explains. {@link createEvent} and {@link parseEvent} try it first.
   */
  readonly accepts?: (payload: unknown) => boolean;
}

export type PayloadOf<T> = T extends TopicContract<TopicName, infer S> ? z.infer<S> : never;
export type EventOf<T> = Envelope<PayloadOf<T>>;

/**
 * Declares a topic. The version is read from the name's `.vN` suffix. `keyField`, `producers` and
 * `consumers` are documentation (the README's topic table is generated from them).
 *
 * @throws Error when `name` does not match {@link TOPIC_NAME_PATTERN}.
 */
export function defineTopic<N extends TopicName, S extends z.ZodType>(def: {
  name: N;
  description: string;
  schema: S;
  key: (payload: z.infer<S>) => string;
  keyField?: string;
  producers?: readonly Party[];
  consumers?: readonly Party[];
  accepts?: (payload: unknown) => boolean;
}): TopicContract<N, S> {
  const match = TOPIC_NAME_PATTERN.exec(def.name);
  if (!match) {
    throw new Error(
      `topic name "${def.name}" must match mlops.<domain>.<event>.v<version>, lowercase kebab-case segments (for example mlops.data.ingested.v1)`,
    );
  }
  const keyOf = def.key;
  return Object.freeze({
    name: def.name,
    version: Number(match[1]),
    description: def.description,
    schema: def.schema,
    key: (payload: z.infer<S>) => keyOf(payload),
    keyField: def.keyField ?? '',
    producers: Object.freeze([...(def.producers ?? [])]),
    consumers: Object.freeze([...(def.consumers ?? [])]),
    ...(def.accepts ? { accepts: def.accepts } : {}),
  });
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

/**
 * Builds an envelope for a payload after validating it against the topic's schema.
 * `correlationId` defaults to the new event's own id (the event starts a chain).
 *
 * @throws ContractValidationError naming every bad field when the payload breaks the schema.
 */
export function createEvent<T extends TopicContract>(
  topic: T,
  payload: PayloadOf<T>,
  options: CreateEventOptions,
): EventOf<T> {
  let data: unknown = payload;
  if (topic.accepts?.(payload) !== true) {
    const parsed = topic.schema.safeParse(payload);
    if (!parsed.success) throw new ContractValidationError(topic.name, parsed.error);
    data = parsed.data;
  }
  const eventId = options.eventId ?? randomUUID();
  return {
    eventId,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    producer: options.producer,
    schemaVersion: topic.version,
    correlationId: options.correlationId ?? eventId,
    payload: data as PayloadOf<T>,
  };
}

export type ParseResult<T extends TopicContract> =
  { ok: true; event: EventOf<T> } | { ok: false; reason: string };

/**
 * Parses a raw message value (JSON text, UTF-8 bytes, or an already parsed object) into a
 * validated event of the topic. Never throws: a bad value gives `{ ok: false, reason }`, where the
 * reason names the part (`value is not JSON`, `envelope: <field>: ...`, `schemaVersion ...`,
 * `payload: <field>: ...`) so it can travel in a dead-letter header.
 */
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
  let header = readEnvelope(value);
  if (header === undefined) {
    const envelope = envelopeSchema.safeParse(value);
    if (!envelope.success) return { ok: false, reason: `envelope: ${formatIssues(envelope.error)}` };
    header = envelope.data;
  }
  if (header.schemaVersion !== topic.version) {
    return {
      ok: false,
      reason: `schemaVersion ${header.schemaVersion} does not match topic ${topic.name} (v${topic.version})`,
    };
  }
  if (topic.accepts?.(header.payload) === true) return { ok: true, event: { ...header, payload: header.payload as PayloadOf<T> } };
  const payload = topic.schema.safeParse(header.payload);
  if (!payload.success) return { ok: false, reason: `payload: ${formatIssues(payload.error)}` };
  return { ok: true, event: { ...header, payload: payload.data as PayloadOf<T> } };
}

/** One line per issue, `path.to.field: message`, joined with `; ` (`(root)` for the object itself). */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** A payload broke its topic's schema; `message` names every bad field. */
export class ContractValidationError extends Error {
  constructor(
    readonly topic: string,
    readonly zodError: z.ZodError,
  ) {
    super(`invalid payload for ${topic}: ${formatIssues(zodError)}`);
    this.name = 'ContractValidationError';
  }
}
