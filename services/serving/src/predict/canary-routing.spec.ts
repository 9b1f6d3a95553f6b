import { randomUUID } from 'node:crypto';
import { fnv1a32, routesToChallenger } from './canary-routing.js';

describe('canary routing', () => {
  it('is FNV-1a 32-bit (reference values of the published algorithm)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('sends the configured share of random request ids to the challenger, within 1 point over 20000', () => {
    for (const share of [0.05, 0.1, 0.5]) {
      let n = 0;
      for (let i = 0; i < 20000; i++) if (routesToChallenger(randomUUID(), share)) n++;
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
