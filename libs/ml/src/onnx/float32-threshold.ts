/**
 * Directed rounding of float64 split thresholds to float32, so that a tree evaluated in float32
 * (ONNX trees with float thresholds) takes exactly the same branches as our float64 evaluation,
 * for every input value that is float32-representable.
 *
 * Claim, for a float32 value x and a float64 threshold t (neither NaN):
 * - `x <  t  <=>  x <  float32AtLeast(t)` where float32AtLeast(t) is the smallest float32 >= t.
 *   (=>) if x < t then x <= the largest float32 below t, which is < float32AtLeast(t) unless t is
 *   itself a float32, where both sides coincide. (<=) if x < u = float32AtLeast(t) then x is a
 *   float32 below u, so x <= the largest float32 < u, which is < t (no float32 lies in [t, u)).
 * - `x <= t  <=>  x <= float32AtMost(t)` where float32AtMost(t) is the largest float32 <= t:
 *   a float32 x <= t is at most the largest float32 <= t, and float32AtMost(t) <= t.
 * Plain round-to-nearest (`Math.fround`) breaks this: a float32 x strictly between t and
 * fround(t) would branch differently. The spec tests both rules on the values around each
 * threshold (nextDown, t, nextUp in float32).
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The next float32 above `x` (x must be a float32 value); +Infinity and NaN map to themselves. */
export function nextFloat32Up(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return 1.401298464324817e-45; // smallest positive subnormal
  F32[0] = x;
  if (F32[0] !== x) throw new RangeError(`nextFloat32Up: ${x} is not a float32 value; round it with Math.fround first`);
  U32[0] = x > 0 ? U32[0]! + 1 : U32[0]! - 1;
  return F32[0]!;
}

/** The next float32 below `x` (x must be a float32 value); -Infinity and NaN map to themselves. */
export function nextFloat32Down(x: number): number {
  return -nextFloat32Up(-x);
}

/** The smallest float32 >= t (for rule 'lt': x < t goes left). NaN stays NaN. */
export function float32AtLeast(t: number): number {
  const f = Math.fround(t);
  return f >= t || Number.isNaN(t) ? f : nextFloat32Up(f);
}

/** The largest float32 <= t (for rule 'le': x <= t goes left). NaN stays NaN. */
export function float32AtMost(t: number): number {
  const f = Math.fround(t);
  return f <= t || Number.isNaN(t) ? f : nextFloat32Down(f);
}
