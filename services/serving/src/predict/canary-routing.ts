/**
 * FNV-1a (32-bit) of a string's UTF-16 code units: a fast, well-spread hash for traffic splitting.
 * Same key -> same value, in every process.
 */
export function fnv1a32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Canary routing: true when the row goes to the challenger. Deterministic per key: the customer id
 * when the request names one (a customer always sees the same variant), else the row's request id.
 * `share` in [0, 1] is the challenger's share: hash / 2^32 < share.
 */
export function routesToChallenger(key: string, share: number): boolean {
  if (share <= 0) return false;
  if (share >= 1) return true;
  return fnv1a32(key) / 4294967296 < share;
}
