import { z } from 'zod';
import { isBoundedString, isIsoDateTime, isUuid } from './fast-check.js';

/**
 * The envelope every event on the bus travels in.
 *
 * `eventId` is the idempotency key (consumers deduplicate on it), `correlationId` ties all events of
 * one pipeline run or request together, `schemaVersion` is the version of the payload schema (it
 * matches the topic's `.vN` suffix), `producer` names the emitting service.
 *
 * The envelope is deliberately not strict (unknown header fields are dropped, not rejected) so
 * that a header added later does not dead-letter every event at older consumers; payloads are
 * strict.
 */
export const envelopeSchema = z.object({
  eventId: z.uuid(),
  occurredAt: z.iso.datetime({ offset: true }),
  producer: z.string().min(1).max(128),
  schemaVersion: z.int().positive(),
  correlationId: z.string().min(1).max(128),
  payload: z.unknown(),
});

export type EnvelopeHeader = Omit<z.infer<typeof envelopeSchema>, 'payload'>;

/** An event whose payload has been validated against its topic's schema. */
export interface Envelope<P> extends EnvelopeHeader {
  payload: P;
}

/**
 * An event already serialized for the wire by a topic's own builder (for hot topics, whose
 * payloads are validated and serialized piece by piece when they arise, then wrapped by string
 * concatenation): `value` is the envelope's JSON text, `key` the topic's key of the payload, and
 * the header fields repeat what `value` holds (they become the record's `x-*` headers).
 */
export interface PreparedEventJson {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly eventId: string;
  readonly correlationId: string;
  readonly schemaVersion: number;
  readonly producer: string;
}

// Fast path for the hot consume loop. zod is the source of truth; `readEnvelope` accepts only what
// `envelopeSchema` accepts (a strict subset: the same UUID and RFC 3339 rules, checked without
// building zod's issue objects) and leaves everything else to zod, which then explains the error.
// The UUID and date-time checks are shared with the payload fast paths (fast-check.ts).
/**
 * Reads an envelope without zod when it is well formed; returns `undefined` when it is not (or
 * when it is unusual enough that only zod should decide), so the caller falls back to
 * `envelopeSchema.safeParse` for the verdict and the message.
 */
export function readEnvelope(value: unknown): z.infer<typeof envelopeSchema> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const { eventId, occurredAt, producer, schemaVersion, correlationId } = v;
  if (!isUuid(eventId) || !isIsoDateTime(occurredAt)) return undefined;
  if (!isBoundedString(producer, 128) || !isBoundedString(correlationId, 128)) return undefined;
  if (typeof schemaVersion !== 'number' || !Number.isSafeInteger(schemaVersion) || schemaVersion <= 0) {
    return undefined;
  }
  return { eventId, occurredAt, producer, schemaVersion, correlationId, payload: v['payload'] };
}
