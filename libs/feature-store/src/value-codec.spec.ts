import { Rng } from '@mlops/ml';
import { decodeValue, encodeValue } from './value-codec.js';

/** Raw bits of a double, to compare bitwise (NaN payloads and -0 included). */
function bits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

describe('encodeValue / decodeValue', () => {
  it('numbers round-trip bitwise through their shortest decimal string', () => {
    const view = new DataView(new ArrayBuffer(8));
    const rng = new Rng(42);
    const values = [0, -0, 1, -1, 0.1, 1 / 3, 29.85, 1889.5, 5e-324, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, 1e21, 1e-7, Infinity, -Infinity];
    // Random bit patterns: every exponent range, subnormals included.
    for (let i = 0; i < 20000; i++) {
      view.setUint32(0, Math.floor(rng.nextFloat() * 2 ** 32));
      view.setUint32(4, Math.floor(rng.nextFloat() * 2 ** 32));
      const x = view.getFloat64(0);
      if (!Number.isNaN(x)) values.push(x);
    }
    let mismatches = 0;
    for (const x of values) {
      const s = encodeValue(x, 'number', 'f');
      expect(typeof s).toBe('string');
      const back = decodeValue(s, 'number') as number;
      if (bits(back) !== bits(x)) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(encodeValue(-0, 'number', 'f')).toBe('-0');
    expect(encodeValue(0.1, 'number', 'f')).toBe('0.1');
    expect(encodeValue(1889.5, 'number', 'f')).toBe('1889.5');
    expect(encodeValue(Infinity, 'number', 'f')).toBe('Infinity');
  });

  it('missing values (null, undefined, NaN for numbers) become absent fields and read back as null', () => {
    expect(encodeValue(null, 'number', 'f')).toBeNull();
    expect(encodeValue(undefined, 'string', 'f')).toBeNull();
    expect(encodeValue(NaN, 'number', 'f')).toBeNull();
    expect(decodeValue(null, 'number')).toBeNull();
    expect(decodeValue(null, 'string')).toBeNull();
  });

  it('strings are stored as they are, the empty string and numeric-looking text included', () => {
    for (const s of ['', 'Month-to-month', '42', ' spaced ', 'naïve 🚀', 'a:b']) {
      expect(decodeValue(encodeValue(s, 'string', 'f'), 'string')).toBe(s);
    }
  });

  it('a value of the wrong type names the feature and what to pass', () => {
    expect(() => encodeValue('29.85', 'number', 'monthly_charges')).toThrow(
      `feature 'monthly_charges' is declared 'number' but got string "29.85"; pass a number, or null for missing`,
    );
    expect(() => encodeValue(1, 'string', 'contract')).toThrow(`feature 'contract' is declared 'string' but got number 1; pass a string, or null for missing`);
    expect(() => encodeValue(true, 'number', 'x')).toThrow(`feature 'x' is declared 'number' but got boolean true`);
  });
});
