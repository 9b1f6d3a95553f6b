/**
 * A hash dictionary keyed by byte ranges: maps the UTF-8 bytes of a field straight to a category
 * code without making a string per field. A string is decoded only when a new key is inserted.
 * Open addressing with linear probing, FNV-1a hash, keys stored in one growing byte pool.
 */
export class ByteDictionary {
  private pool: Uint8Array = new Uint8Array(1024);
  private poolLength = 0;
  private keyStart: Int32Array = new Int32Array(16);
  private keyLength: Int32Array = new Int32Array(16);
  private keyHash: Int32Array = new Int32Array(16);
  /** slot -> code + 1 (0 = empty). */
  private table: Int32Array = new Int32Array(32);
  private mask = 31;
  private readonly decoder = new TextDecoder('utf-8');
  /** The decoded keys, index = code. */
  readonly values: string[] = [];

  get size(): number {
    return this.values.length;
  }

  /** The code of the key `buf[start, end)`, inserting it if new. */
  codeOf(buf: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const len = end - start;
    let slot = h & this.mask;
    const table = this.table;
    for (;;) {
      const entry = table[slot]!;
      if (entry === 0) break;
      const code = entry - 1;
      if (this.keyHash[code] === h && this.keyLength[code] === len) {
        const ks = this.keyStart[code]!;
        const pool = this.pool;
        let same = true;
        for (let i = 0; i < len; i++) {
          if (pool[ks + i] !== buf[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return code;
      }
      slot = (slot + 1) & this.mask;
    }
    return this.insert(buf, start, end, h, slot);
  }

  /** The code of a string key, inserting it if new. */
  codeOfString(value: string): number {
    const bytes = new TextEncoder().encode(value);
    return this.codeOf(bytes, 0, bytes.length);
  }

  private insert(buf: Uint8Array, start: number, end: number, h: number, slot: number): number {
    const code = this.values.length;
    const len = end - start;
    if (this.poolLength + len > this.pool.length) {
      const next = new Uint8Array(Math.max(this.pool.length * 2, this.poolLength + len));
      next.set(this.pool.subarray(0, this.poolLength));
      this.pool = next;
    }
    this.pool.set(buf.subarray(start, end), this.poolLength);
    if (code >= this.keyStart.length) {
      this.keyStart = grow(this.keyStart);
      this.keyLength = grow(this.keyLength);
      this.keyHash = grow(this.keyHash);
    }
    this.keyStart[code] = this.poolLength;
    this.keyLength[code] = len;
    this.keyHash[code] = h;
    this.poolLength += len;
    this.values.push(this.decoder.decode(buf.subarray(start, end)));
    this.table[slot] = code + 1;
    if ((code + 1) * 2 > this.mask) this.rehash();
    return code;
  }

  private rehash(): void {
    const size = this.table.length * 2;
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let code = 0; code < this.values.length; code++) {
      let slot = this.keyHash[code]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = code + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}

function grow(a: Int32Array): Int32Array {
  const next = new Int32Array(a.length * 2);
  next.set(a);
  return next;
}
