const POW10 = new Float64Array(23);
POW10[0] = 1;
for (let i = 1; i < 23; i++) POW10[i] = POW10[i - 1]! * 10;
const MAX_EXACT = 9007199254740992; // 2^53

let failed = false;

/** True when the last `parseNumberBytes` call met bytes that are not a number. */
export function lastParseFailed(): boolean {
  return failed;
}

/**
 * Parses a decimal number from `buf[start, end)` without making a string.
 *
 * Grammar (what pandas' C parser accepts for floats): optional spaces/tabs, optional sign,
 * digits with an optional fraction (`1`, `1.5`, `.5`, `5.`), optional exponent (`e-3`), optional
 * spaces/tabs; or, case-insensitively, `nan`, `inf`, `infinity` with an optional sign.
 *
 * Exactness: when the digits form an integer mantissa of at most 2^53 and the decimal exponent is
 * within +-22, the result is `mantissa / 10^k` or `mantissa * 10^k` of two exact doubles, which
 * IEEE 754 rounds correctly (Clinger's fast path); otherwise it falls back to `Number()` on the
 * bytes. Either way the result equals `Number(text)`, the correctly rounded double.
 *
 * @returns the value; when the bytes are not a number (including whitespace only) returns NaN and
 *   `lastParseFailed()` is true (a literal `nan` returns NaN with `lastParseFailed()` false).
 */
export function parseNumberBytes(buf: Uint8Array, start: number, end: number): number {
  failed = false;
  let s = start;
  let e = end;
  while (s < e && (buf[s] === 32 || buf[s] === 9)) s++;
  while (e > s && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
  if (s === e) return fail();
  let p = s;
  let neg = false;
  const c0 = buf[p]!;
  if (c0 === 45 /* - */) {
    neg = true;
    p++;
  } else if (c0 === 43 /* + */) p++;
  let mant = 0;
  let nDigits = 0;
  let exp10 = 0;
  while (p < e) {
    const b = buf[p]! - 48;
    if (b < 0 || b > 9) break;
    mant = mant * 10 + b;
    nDigits++;
    p++;
  }
  if (p < e && buf[p] === 46 /* . */) {
    p++;
    const fracStart = p;
    while (p < e) {
      const b = buf[p]! - 48;
      if (b < 0 || b > 9) break;
      mant = mant * 10 + b;
      p++;
    }
    exp10 = fracStart - p;
    nDigits += p - fracStart;
  }
  if (nDigits === 0) return parseSpecial(buf, p, e, neg);
  if (p < e && (buf[p] === 101 || buf[p] === 69) /* e E */) {
    p++;
    let eneg = false;
    if (p < e && (buf[p] === 45 || buf[p] === 43)) {
      eneg = buf[p] === 45;
      p++;
    }
    let ex = 0;
    const expStart = p;
    while (p < e) {
      const b = buf[p]! - 48;
      if (b < 0 || b > 9) break;
      if (ex < 100000) ex = ex * 10 + b;
      p++;
    }
    if (p === expStart) return fail();
    exp10 += eneg ? -ex : ex;
  }
  if (p !== e) return fail();
  if (mant <= MAX_EXACT && exp10 >= -22 && exp10 <= 22) {
    const v = exp10 < 0 ? mant / POW10[-exp10]! : mant * POW10[exp10]!;
    return neg ? -v : v;
  }
  return Number(latin1(buf, s, e));
}

interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

const decoder = new TextDecoder('latin1');

/** The bytes as a one-byte string: Node's Buffer#latin1Slice when there, else TextDecoder. */
function latin1(buf: Uint8Array, s: number, e: number): string {
  const slicer = buf as Uint8Array & Partial<Latin1Slicer>;
  if (typeof slicer.latin1Slice === 'function') return slicer.latin1Slice(s, e);
  return decoder.decode(buf.subarray(s, e));
}

function fail(): number {
  failed = true;
  return NaN;
}

function parseSpecial(buf: Uint8Array, p: number, e: number, neg: boolean): number {
  const n = e - p;
  if (n !== 3 && n !== 8) return fail();
  let word = '';
  for (let i = p; i < e; i++) word += String.fromCharCode(buf[i]! | 0x20);
  if (word === 'nan') return NaN;
  if (word === 'inf' || word === 'infinity') return neg ? -Infinity : Infinity;
  return fail();
}
