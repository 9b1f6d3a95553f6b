import { FeatureStoreError, FeatureStoreErrorCode } from './feature-store.error.js';

/** Declared type of a feature: decides how its Redis field is decoded. */
export type FeatureValueType = 'number' | 'string';

/** A feature value as callers see it: null = missing. */
export type FeatureValue = number | string | null;

/**
 * Encodes a feature value as its Redis field value, or `null` when the field must be absent.
 *
 * - numbers: the shortest decimal string that parses back to the same double
 *   (ECMAScript `Number::toString`), so `decodeValue(encodeValue(x))` is bitwise `x`; `-0` is
 *   written `"-0"` (toString would drop the sign), `Infinity` / `-Infinity` as such;
 *   NaN is missing (a dataset's numeric missing value) and gives `null`;
 * - strings: as they are (the empty string too);
 * - null / undefined: `null` (the field is deleted).
 *
 * @throws FeatureStoreError (INVALID_VALUE) when the value's type is not the declared one.
 */
export function encodeValue(value: unknown, type: FeatureValueType, feature: string): string | null {
  if (value === null || value === undefined) return null;
  if (type === 'number') {
    if (typeof value !== 'number') {
      throw new FeatureStoreError(
        FeatureStoreErrorCode.InvalidValue,
        `feature '${feature}' is declared 'number' but got ${typeof value} ${JSON.stringify(value)}; pass a number, or null for missing`,
      );
    }
    if (Number.isNaN(value)) return null;
    return Object.is(value, -0) ? '-0' : String(value);
  }
  if (typeof value !== 'string') {
    throw new FeatureStoreError(
      FeatureStoreErrorCode.InvalidValue,
      `feature '${feature}' is declared 'string' but got ${typeof value} ${JSON.stringify(value)}; pass a string, or null for missing`,
    );
  }
  return value;
}

/** Decodes a Redis field value (null = absent field) back to the value {@link encodeValue} was given. */
export function decodeValue(raw: string | null, type: FeatureValueType): FeatureValue {
  if (raw === null) return null;
  return type === 'number' ? Number(raw) : raw;
}
