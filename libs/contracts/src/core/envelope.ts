import { z } from 'zod';

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

// Fast path for the hot consume loop. zod is the source of truth; `readEnvelope` accepts only what
// `envelopeSchema` accepts (a strict subset: the same UUID and RFC 3339 rules, checked without
// building zod's issue objects) and leaves everything else to zod, which then explains the error.
const UUID = /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12})$/;
const DATETIME =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

function validCalendarDate(year: number, month: number, day: number): boolean {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

function isBoundedString(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length >= 1 && v.length <= max;
}

/**
 * Reads an envelope without zod when it is well formed; returns `undefined` when it is not (or
 * when it is unusual enough that only zod should decide), so the caller falls back to
 * `envelopeSchema.safeParse` for the verdict and the message.
 */
export function readEnvelope(value: unknown): z.infer<typeof envelopeSchema> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const { eventId, occurredAt, producer, schemaVersion, correlationId } = v;
  if (typeof eventId !== 'string' || !UUID.test(eventId)) return undefined;
  if (typeof occurredAt !== 'string') return undefined;
  const m = DATETIME.exec(occurredAt);
  if (!m || !validCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) return undefined;
  if (!isBoundedString(producer, 128) || !isBoundedString(correlationId, 128)) return undefined;
  if (typeof schemaVersion !== 'number' || !Number.isSafeInteger(schemaVersion) || schemaVersion <= 0) {
    return undefined;
  }
  return { eventId, occurredAt, producer, schemaVersion, correlationId, payload: v['payload'] };
}
