/**
 * Checks for the fast paths of the contracts (`readEnvelope`, a topic's `accepts`): each returns
 * true only for values the zod schema it stands for accepts, and false for everything else,
 * including values zod would accept but that are unusual enough to leave to zod (which then also
 * explains an error). Tests compare them with zod on valid and broken values.
 */

// z.uuid() accepts these and the nil and max UUIDs; the nil and max ones are left to zod.
const UUID = /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12})$/;
// z.iso.datetime({ offset: true }): RFC 3339 with Z or +hh:mm; the day checked against the month.
const DATETIME =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

function validCalendarDate(year: number, month: number, day: number): boolean {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

/** `z.uuid()` (versions 1 to 8). */
export function isUuid(v: unknown): v is string {
  return typeof v === 'string' && UUID.test(v);
}

/** `z.iso.datetime({ offset: true })`. */
export function isIsoDateTime(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = DATETIME.exec(v);
  return m !== null && validCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** `z.string().min(1).max(max)`. */
export function isBoundedString(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length >= 1 && v.length <= max;
}

/** `z.number()` (zod 4: finite). */
export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * A plain object: its prototype null or a realm's Object.prototype (objects cloned across threads
 * or vm contexts have another realm's), no symbol keys. Anything else (class instances, arrays) is
 * left to zod.
 */
export function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === null || Object.getPrototypeOf(proto) === null) && Object.getOwnPropertySymbols(v).length === 0;
}

/**
 * Membership cache for a string check that is a pure function of the string (a regex test on
 * column names, which repeat on every row): remembers up to `limit` strings that passed.
 */
export function cachedCheck(check: (s: string) => boolean, limit = 4096): (s: string) => boolean {
  const passed = new Set<string>();
  return (s) => {
    if (passed.has(s)) return true;
    if (!check(s)) return false;
    if (passed.size < limit) passed.add(s);
    return true;
  };
}
