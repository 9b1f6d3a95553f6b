import { readFixture, num, scaledError, relativeError, type JsonNum } from '../__fixtures__/read-fixture.js';
import { chiSquareSf, logGamma } from './gamma.js';
import { kstwoSf, smirnovSf } from './kolmogorov.js';
import { normalCdf } from './normal.js';

interface SpecialFixture {
  kstwo: { n: number; x: number; sf: JsonNum }[];
  smirnov: { n: number; x: number; sf: JsonNum }[];
  chi2: { df: number; x: number; sf: JsonNum }[];
  normal: { x: number; cdf: JsonNum }[];
}
const fx = readFixture<SpecialFixture>('special.json');

describe('special functions against scipy', () => {
  it('kstwo.sf matches scipy on every algorithm branch to 1e-9 (and 1e-7 relative in the tail)', () => {
    for (const c of fx.kstwo) {
      const ours = kstwoSf(c.n, c.x);
      const ref = num(c.sf);
      const ctx = `kstwo.sf(${c.x}, ${c.n}) = ${ours}, scipy ${ref}`;
      expect([ctx, scaledError(ours, ref) <= 1e-9]).toEqual([ctx, true]);
      if (ref > 1e-290) expect([ctx, relativeError(ours, ref) <= 1e-7]).toEqual([ctx, true]);
    }
  });

  it('smirnov matches scipy.special.smirnov', () => {
    for (const c of fx.smirnov) {
      const ours = smirnovSf(c.n, c.x);
      const ref = num(c.sf);
      const ctx = `smirnov(${c.n}, ${c.x}) = ${ours}, scipy ${ref}`;
      expect([ctx, scaledError(ours, ref) <= 1e-9]).toEqual([ctx, true]);
      if (ref > 1e-290) expect([ctx, relativeError(ours, ref) <= 1e-7]).toEqual([ctx, true]);
    }
  });

  it('chi2.sf matches scipy to 1e-12', () => {
    for (const c of fx.chi2) {
      const ours = chiSquareSf(c.x, c.df);
      const ref = num(c.sf);
      const ctx = `chi2.sf(${c.x}, ${c.df}) = ${ours}, scipy ${ref}`;
      expect([ctx, scaledError(ours, ref) <= 1e-12]).toEqual([ctx, true]);
      if (ref > 1e-290) expect([ctx, relativeError(ours, ref) <= 1e-9]).toEqual([ctx, true]);
    }
  });

  it('norm.cdf matches scipy', () => {
    for (const c of fx.normal) {
      const ours = normalCdf(c.x);
      const ref = num(c.cdf);
      expect(scaledError(ours, ref)).toBeLessThanOrEqual(1e-15);
      if (ref > 1e-290) expect(relativeError(ours, ref)).toBeLessThanOrEqual(1e-13);
    }
  });

  it('handles NaN and out-of-range arguments', () => {
    expect(kstwoSf(10, Number.NaN)).toBeNaN();
    expect(kstwoSf(0, 0.3)).toBeNaN();
    expect(kstwoSf(2.5, 0.3)).toBeNaN();
    expect(kstwoSf(10, 0)).toBe(1);
    expect(kstwoSf(10, 1)).toBe(0);
    expect(smirnovSf(10, 1.5)).toBeNaN();
    expect(normalCdf(Number.NaN)).toBeNaN();
    expect(chiSquareSf(Number.NaN, 3)).toBeNaN();
    expect(chiSquareSf(Number.POSITIVE_INFINITY, 3)).toBe(0);
    expect(() => chiSquareSf(1, 0)).toThrow('chiSquareSf: df must be > 0, got 0');
    expect(() => logGamma(-1)).toThrow('logGamma: x must be > 0, got -1');
  });

  it('logGamma agrees with known factorials', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(relativeError(logGamma(11), Math.log(3628800))).toBeLessThan(1e-14);
    expect(relativeError(logGamma(0.5), Math.log(Math.sqrt(Math.PI)))).toBeLessThan(1e-14);
  });
});
