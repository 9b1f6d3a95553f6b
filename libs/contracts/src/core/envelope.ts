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
