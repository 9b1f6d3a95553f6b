import { Rng } from '../core/random.js';
import { float32AtLeast, float32AtMost, nextFloat32Down, nextFloat32Up } from './float32-threshold.js';

describe('directed float32 rounding of thresholds', () => {
  it('steps to the adjacent float32 values, through zero, subnormals and infinity', () => {
    expect(nextFloat32Up(1)).toBe(1 + 2 ** -23);
    expect(nextFloat32Down(1)).toBe(1 - 2 ** -24);
    expect(nextFloat32Up(0)).toBe(2 ** -149);
    expect(nextFloat32Down(0)).toBe(-(2 ** -149));
    expect(nextFloat32Up(-(2 ** -149)) === 0).toBe(true);
    expect(nextFloat32Up(3.4028234663852886e38)).toBe(Infinity);
    expect(nextFloat32Down(-Infinity)).toBe(-Infinity);
    expect(() => nextFloat32Up(0.1)).toThrow(/0.1 is not a float32 value/);
  });

  it('keeps x < t and x <= t identical for float32 x on both sides of 20000 random float64 thresholds', () => {
    const rng = new Rng(17);
    let nearestWouldFlip = 0;
    let mismatches = 0;
    let notBracketing = 0;
    for (let i = 0; i < 20000; i++) {
      const t = (rng.nextFloat() - 0.5) * 10 ** (rng.nextInt(12) - 4);
      const lo = float32AtMost(t);
      const hi = float32AtLeast(t);
      if (!(lo <= t && t <= hi && Math.fround(lo) === lo && Math.fround(hi) === hi)) notBracketing++;
      const f = Math.fround(t);
      for (const x of [nextFloat32Down(nextFloat32Down(f)), nextFloat32Down(f), f, nextFloat32Up(f), nextFloat32Up(nextFloat32Up(f))]) {
        if (x < hi !== x < t || x <= lo !== x <= t) mismatches++;
        if (x < f !== x < t || x <= f !== x <= t) nearestWouldFlip++;
      }
    }
    // Rounding to nearest would change decisions on the float32 value between t and fround(t).
    expect(notBracketing).toBe(0);
    expect(mismatches).toBe(0);
    expect(nearestWouldFlip).toBeGreaterThan(10000);
  });

  it('maps float32 thresholds to themselves and keeps NaN and infinities', () => {
    expect(float32AtLeast(0.5)).toBe(0.5);
    expect(float32AtMost(0.5)).toBe(0.5);
    expect(float32AtLeast(0.1)).toBe(Math.fround(0.1)); // fround(0.1) > 0.1
    expect(float32AtMost(0.1)).toBe(nextFloat32Down(Math.fround(0.1)));
    expect(float32AtLeast(Infinity)).toBe(Infinity);
    expect(float32AtMost(1e300)).toBe(3.4028234663852886e38);
    expect(float32AtLeast(1e300)).toBe(Infinity);
    expect(Number.isNaN(float32AtMost(Number.NaN))).toBe(true);
  });
});
