import { randomUUID } from 'node:crypto';
import { envelopeSchema, readEnvelope } from './envelope.js';

const good = {
  eventId: randomUUID(),
  occurredAt: '2026-11-26T18:22:21.123Z',
  producer: 'ingestion',
  schemaVersion: 1,
  correlationId: 'run-1',
  payload: { a: 1 },
};

/** Every field variant the fast path might see; each must get zod's verdict or be left to zod. */
const variants: Record<string, unknown>[] = [
  good,
  { ...good, occurredAt: '2026-11-26T18:22:21Z' },
  { ...good, occurredAt: '2026-11-26T18:22:21.123456789+05:30' },
  { ...good, occurredAt: '2024-02-29T00:00:00Z' },
  { ...good, occurredAt: '2023-02-29T00:00:00Z' },
  { ...good, occurredAt: '1900-02-29T00:00:00Z' },
  { ...good, occurredAt: '2000-02-29T00:00:00Z' },
  { ...good, occurredAt: '2026-04-31T00:00:00Z' },
  { ...good, occurredAt: '2026-13-01T00:00:00Z' },
  { ...good, occurredAt: '2026-11-26T24:00:00Z' },
  { ...good, occurredAt: '2026-11-26T18:22Z' },
  { ...good, occurredAt: '2026-11-26 18:22:21Z' },
  { ...good, occurredAt: '2026-11-26T18:22:21+24:00' },
  { ...good, eventId: 'not-a-uuid' },
  { ...good, eventId: '00000000-0000-0000-0000-000000000000' },
  { ...good, eventId: good.eventId.toUpperCase() },
  { ...good, eventId: '123e4567-e89b-02d3-a456-426614174000' },
  { ...good, producer: '' },
  { ...good, producer: 'x'.repeat(128) },
  { ...good, producer: 'x'.repeat(129) },
  { ...good, correlationId: 7 },
  { ...good, schemaVersion: 0 },
  { ...good, schemaVersion: 1.5 },
  { ...good, schemaVersion: '1' },
  { ...good, payload: undefined },
];

describe('readEnvelope (the fast path of parseEvent)', () => {
  it.each(variants.map((v, i) => [i, v] as const))(
    'variant %i: accepts only what zod accepts, with the same data',
    (_i, v) => {
      const fast = readEnvelope(v);
      const zod = envelopeSchema.safeParse(v);
      if (fast !== undefined) {
        expect(zod.success).toBe(true);
        expect(fast).toEqual(zod.data);
      } else {
        // Left to zod: fine either way, but every well-formed common case must take the fast path.
        expect(v === good).toBe(false);
      }
    },
  );

  it('takes the fast path for what createEvent produces', () => {
    expect(readEnvelope({ ...good, occurredAt: new Date().toISOString() })).toBeDefined();
  });

  it('leaves non-objects to zod', () => {
    expect(readEnvelope(null)).toBeUndefined();
    expect(readEnvelope([good])).toBeUndefined();
    expect(readEnvelope('x')).toBeUndefined();
  });
});
