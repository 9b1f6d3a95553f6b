import { fnv1a32, routesToChallenger } from './canary-routing.js';

/**
 * `count` version-4 UUID strings from a seeded generator (mulberry32): the same sample on every
 * run. With `randomUUID()` the share check failed once in CI (off by 0.0123 over 20,000: 3.5 sigma
 * at share 0.5, and more at the others); over 2,000,000 random UUIDs the hash gives 0.04999 /
 * 0.09993 / 0.50021 for the shares 0.05 / 0.1 / 0.5.
 */
function seededUuids(seed: number, count: number): string[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const out: string[] = [];
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < 16; j += 4) view.setUint32(j, next());
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    out.push(
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    );
  }
  return out;
}

describe('canary routing', () => {
  it('is FNV-1a 32-bit (reference values of the published algorithm)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('sends the configured share of request ids (UUID v4) to the challenger, within 1 point over 20000', () => {
    const ids = seededUuids(20261127, 20000);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(20000);
    for (const share of [0.05, 0.1, 0.5]) {
      const n = ids.filter((id) => routesToChallenger(id, share)).length;
      expect(Math.abs(n / 20000 - share)).toBeLessThan(0.01);
    }
  });

  it('sends the share of sequential customer ids too, and a customer always to the same variant', () => {
    let n = 0;
    for (let i = 0; i < 20000; i++) if (routesToChallenger(`${1000 + i}-ABCDE`, 0.1)) n++;
    expect(Math.abs(n / 20000 - 0.1)).toBeLessThan(0.01);
    const first = routesToChallenger('7590-VHVEG', 0.3);
    for (let i = 0; i < 5; i++) expect(routesToChallenger('7590-VHVEG', 0.3)).toBe(first);
  });

  it('never routes at share 0 and always at share 1', () => {
    expect(routesToChallenger('x', 0)).toBe(false);
    expect(routesToChallenger('x', 1)).toBe(true);
  });
});
