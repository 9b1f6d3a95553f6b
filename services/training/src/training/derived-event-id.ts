import { createHash } from 'node:crypto';

/**
 * A deterministic event id (UUID version 8, RFC 9562) derived from the consumed event's id and a
 * purpose: a redelivered input that is processed again (after a crash between publish and commit)
 * republishes with the same eventId, so downstream consumers deduplicate it.
 */
export function derivedEventId(sourceEventId: string, purpose: string): string {
  const h = createHash('sha256').update(`${sourceEventId}\u0000${purpose}`).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x80;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
