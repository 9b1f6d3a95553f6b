import { Rng } from './random.js';

describe('Rng (xoshiro128**)', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    const sb = Array.from({ length: 8 }, () => b.nextUint32());
    const sc = Array.from({ length: 8 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('draws uniform floats in [0, 1) with mean near 1/2', () => {
    const r = new Rng(0);
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < 100000; i++) {
      const v = r.nextFloat();
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      sum += v;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(sum / 100000 - 0.5)).toBeLessThan(0.01);
  });

  it('nextInt covers [0, n) evenly and rejects bad n', () => {
    const r = new Rng(7);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 50000; i++) counts[r.nextInt(5)]! += 1;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
    expect(() => r.nextInt(0)).toThrow(/nextInt\(n\)/);
    expect(() => new Rng(Number.NaN)).toThrow(/seed/);
  });

  it('shuffle is a permutation and fork gives reproducible independent streams', () => {
    const arr = Int32Array.from({ length: 100 }, (_, i) => i);
    new Rng(1).shuffle(arr);
    expect(Array.from(arr).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(arr)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const f1 = new Rng(5).fork(3);
    const f2 = new Rng(5).fork(3);
    const f3 = new Rng(5).fork(4);
    expect(f1.nextUint32()).toBe(f2.nextUint32());
    expect(new Rng(5).fork(3).nextUint32()).not.toBe(f3.nextUint32());
  });
});
