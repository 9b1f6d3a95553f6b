import { isUtf8 } from 'node:buffer';

/** One CSV record (a row, possibly spanning several lines through quoted line breaks). */
export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  readonly line: number;
  /** The fields, decoded from UTF-8; empty when `problem` is set. */
  readonly fields: string[];
  /** Why the record cannot be read (too long, invalid UTF-8, unterminated quote, stray quote), or null. */
  readonly problem: string | null;
  /** 1-based field where the problem is, when known. */
  readonly column: number | null;
  /** The record's raw text (invalid bytes replaced), at most `rawExcerptBytes` bytes of it. */
  readonly raw: string;
}

export interface CsvRecordReaderOptions {
  /** One ASCII byte; default `,`. */
  readonly delimiter?: string;
  /** A record longer than this (bytes, without its line end) is refused as too long; default 1 MiB. */
  readonly maxRecordBytes?: number;
  /** Raw text kept of a refused record for quarantine; default 4096 bytes. */
  readonly rawExcerptBytes?: number;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;

const S_FIELD = 0; // at the start of a field
const S_UNQUOTED = 1;
const S_QUOTED = 2;
const S_QUOTE_SEEN = 3; // a quote inside a quoted field: closing, or the first of a doubled quote

/**
 * A push tokenizer of RFC 4180 CSV that hands out records one by one in bounded memory: a record
 * is held up to `maxRecordBytes`; a longer one is skipped to its end (only an excerpt is kept) and
 * reported as too long, so a 10 MB line or a stray quote never makes memory grow without bound.
 *
 * LF, CRLF and CR line ends; a UTF-8 BOM is skipped; blank lines are skipped. Problems are reported
 * per record, never thrown: invalid UTF-8, a character after a closing quote, an unterminated quote
 * at the end of input. For an unterminated quote whose record fits the limit, the line where the
 * quote opened is reported and the lines after it are read again as records, so one stray quote
 * does not swallow the good rows that follow it.
 *
 * @example
 * const r = new CsvRecordReader();
 * r.push(Buffer.from('a,b\n1,"x,y"\n')); // -> [{ line: 1, fields: ['a','b'] }, { line: 2, fields: ['1','x,y'] }]
 * r.finish(); // -> []
 */
export class CsvRecordReader {
  private readonly delim: number;
  private readonly max: number;
  private readonly excerpt: number;
  private state = S_FIELD;
  private line = 1;
  private recordLine = 1;
  private inRecord = false;
  private skipLf = false;
  private crInQuote = false;
  private started = false;
  private head: Buffer | null = null;
  /** Raw bytes of the current record (up to max + 1, then only counted). */
  private rec: Buffer;
  private recLen = 0;
  private recTotal = 0;
  /** Unescaped field contents of the current record, and where each field ends in it. */
  private val: Buffer;
  private valLen = 0;
  private ends: number[] = [];
  private stray: number | null = null;
  private out: CsvRecord[] = [];
  /** Data bytes seen so far (after the BOM). */
  bytes = 0;

  constructor(options: CsvRecordReaderOptions = {}) {
    const d = options.delimiter ?? ',';
    if (d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === '\n' || d === '\r') {
      throw new RangeError(`delimiter must be one ASCII character other than a quote or a line break, got ${JSON.stringify(d)}`);
    }
    this.delim = d.charCodeAt(0);
    this.max = options.maxRecordBytes ?? 1 << 20;
    if (!(this.max >= 16)) throw new RangeError(`maxRecordBytes must be at least 16, got ${this.max}`);
    this.excerpt = Math.min(options.rawExcerptBytes ?? 4096, this.max);
    this.rec = Buffer.allocUnsafe(Math.min(this.max + 1, 1 << 16));
    this.val = Buffer.allocUnsafe(Math.min(this.max + 1, 1 << 16));
  }

  /** Reads a chunk; returns the records completed by it. */
  push(chunk: Uint8Array): CsvRecord[] {
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.started) {
      buf = this.head === null ? buf : Buffer.concat([this.head, buf]);
      if (buf.length < 3) {
        this.head = buf;
        return [];
      }
      this.head = null;
      this.started = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    this.bytes += buf.length;
    this.scan(buf);
    return this.take();
  }

  /** Ends the input; returns the last records (an unterminated quote is reported here). */
  finish(): CsvRecord[] {
    if (!this.started && this.head !== null) {
      const head = this.head;
      this.head = null;
      this.started = true;
      this.bytes += head.length;
      this.scan(head);
    }
    this.started = true;
    this.finishRecord();
    return this.take();
  }

  /** The 1-based line the reader is at (lines read so far + 1). */
  get currentLine(): number {
    return this.line;
  }

  private take(): CsvRecord[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private finishRecord(): void {
    if (!this.inRecord) return;
    if (this.state !== S_QUOTED) {
      this.endField();
      this.emit();
      return;
    }
    // Unterminated quote at the end of the input.
    const startLine = this.recordLine;
    const reason = `unterminated quoted field: the quote opened on line ${startLine} is never closed`;
    const held = this.recTotal <= this.max;
    const raw = this.rec.subarray(0, this.recLen);
    const firstEnd = held ? firstLineEnd(raw) : -1;
    if (firstEnd < 0) {
      const spanned = this.line - startLine + 1;
      this.emitProblem(
        held ? reason : `${reason}; the ${spanned} lines after it were read as one field and exceed the line limit of ${this.max} bytes`,
        this.ends.length + 1,
      );
      return;
    }
    // Report the line of the quote and read the held lines after it again.
    let rest = firstEnd + 1;
    if (raw[firstEnd] === CR && raw[firstEnd + 1] === LF) rest++;
    const again = Buffer.from(raw.subarray(rest));
    this.recLen = firstEnd;
    this.recTotal = firstEnd;
    this.emitProblem(reason, this.ends.length + 1);
    this.line = startLine + 1;
    this.skipLf = false;
    this.scan(again);
    this.finishRecord();
  }

  private resetRecord(): void {
    this.inRecord = false;
    this.state = S_FIELD;
    this.recLen = 0;
    this.recTotal = 0;
    this.valLen = 0;
    this.ends.length = 0;
    this.stray = null;
  }

  private endField(): void {
    this.ends.push(this.valLen);
  }

  private emitProblem(reason: string, column: number | null): void {
    this.out.push({ line: this.recordLine, fields: [], problem: reason, column, raw: this.rawExcerpt() });
    this.resetRecord();
  }

  private rawExcerpt(): string {
    return this.rec.toString('utf8', 0, Math.min(this.recLen, this.excerpt));
  }

  private emit(): void {
    if (this.recTotal > this.max) {
      this.emitProblem(`line too long: more than ${this.max} bytes (the limit is INGESTION_MAX_LINE_BYTES)`, null);
      return;
    }
    if (this.stray !== null) {
      this.emitProblem('unexpected character after a closing quote (a quote inside a field must be doubled: "")', this.stray);
      return;
    }
    const val = this.val;
    const n = this.valLen;
    if (!isUtf8(this.rec.subarray(0, this.recLen))) {
      const bad = firstInvalidUtf8Field(val, this.ends);
      this.emitProblem('invalid UTF-8: the line holds bytes that are not UTF-8 text; save the file as UTF-8', bad);
      return;
    }
    const fields: string[] = new Array<string>(this.ends.length);
    const ascii = isAscii(val, n);
    const all = ascii ? val.toString('latin1', 0, n) : '';
    let start = 0;
    for (let f = 0; f < this.ends.length; f++) {
      const end = this.ends[f]!;
      fields[f] = ascii ? all.slice(start, end) : val.toString('utf8', start, end);
      start = end;
    }
    this.out.push({ line: this.recordLine, fields, problem: null, column: null, raw: '' });
    this.resetRecord();
  }

  /** Appends raw bytes [s, e) of buf to the record, and to the current value when `toValue`. */
  private append(buf: Buffer, s: number, e: number, toValue: boolean): void {
    const len = e - s;
    if (len <= 0) return;
    this.recTotal += len;
    if (this.recTotal > this.max) {
      // Too long: keep only the excerpt, count the rest.
      if (this.recLen < this.excerpt) {
        const keep = Math.min(len, this.excerpt - this.recLen);
        this.ensure(this.recLen + keep, false);
        buf.copy(this.rec, this.recLen, s, s + keep);
        this.recLen += keep;
      }
      return;
    }
    this.ensure(this.recLen + len, toValue);
    buf.copy(this.rec, this.recLen, s, e);
    this.recLen += len;
    if (toValue) {
      buf.copy(this.val, this.valLen, s, e);
      this.valLen += len;
    }
  }

  private ensure(need: number, val: boolean): void {
    if (need > this.rec.length) {
      const next = Buffer.allocUnsafe(Math.min(Math.max(need, this.rec.length * 2), this.max + 1));
      this.rec.copy(next, 0, 0, this.recLen);
      this.rec = next;
    }
    if (val && need > this.val.length) {
      const next = Buffer.allocUnsafe(Math.min(Math.max(need, this.val.length * 2), this.max + 1));
      this.val.copy(next, 0, 0, this.valLen);
      this.val = next;
    }
  }

  private lineEnd(buf: Buffer, pos: number): number {
    // pos is at CR or LF; returns the position after the line end.
    this.line++;
    if (buf[pos] === CR) {
      if (pos + 1 < buf.length) return buf[pos + 1] === LF ? pos + 2 : pos + 1;
      this.skipLf = true;
    }
    return pos + 1;
  }

  private scan(buf: Buffer): void {
    const len = buf.length;
    const delim = this.delim;
    let pos = 0;
    if (this.crInQuote) {
      this.crInQuote = false;
      if (len === 0 || buf[0] !== LF) this.line++;
    }
    if (this.skipLf) {
      this.skipLf = false;
      if (len > 0 && buf[0] === LF) pos = 1;
    }
    while (pos < len) {
      const b = buf[pos]!;
      switch (this.state) {
        case S_FIELD: {
          if (!this.inRecord) {
            if (b === LF || b === CR) {
              pos = this.lineEnd(buf, pos); // blank line
              continue;
            }
            this.inRecord = true;
            this.recordLine = this.line;
          }
          if (b === QUOTE) {
            this.append(buf, pos, pos + 1, false);
            this.state = S_QUOTED;
            pos++;
          } else this.state = S_UNQUOTED;
          continue;
        }
        case S_UNQUOTED: {
          let p = pos;
          while (p < len) {
            const c = buf[p]!;
            if (c === delim || c === LF || c === CR) break;
            p++;
          }
          this.append(buf, pos, p, true);
          if (p >= len) return;
          const c = buf[p]!;
          if (c === delim) {
            this.append(buf, p, p + 1, false);
            this.endField();
            this.state = S_FIELD;
            pos = p + 1;
          } else {
            this.endField();
            pos = this.lineEnd(buf, p);
            this.emit();
          }
          continue;
        }
        case S_QUOTED: {
          let p = pos;
          while (p < len) {
            const c = buf[p]!;
            if (c === QUOTE) break;
            if (c === LF) this.line++;
            else if (c === CR) {
              if (p + 1 >= len) this.crInQuote = true;
              else if (buf[p + 1] !== LF) this.line++;
            }
            p++;
          }
          this.append(buf, pos, p, true);
          if (p >= len) return;
          this.append(buf, p, p + 1, false);
          this.state = S_QUOTE_SEEN;
          pos = p + 1;
          continue;
        }
        default: {
          // S_QUOTE_SEEN
          if (b === QUOTE) {
            this.append(buf, pos, pos + 1, true);
            this.state = S_QUOTED;
            pos++;
          } else if (b === delim) {
            this.append(buf, pos, pos + 1, false);
            this.endField();
            this.state = S_FIELD;
            pos++;
          } else if (b === LF || b === CR) {
            this.endField();
            pos = this.lineEnd(buf, pos);
            this.emit();
          } else {
            if (this.stray === null) this.stray = this.ends.length + 1;
            this.state = S_UNQUOTED;
          }
          continue;
        }
      }
    }
  }
}

function isAscii(buf: Buffer, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[i]! > 127) return false;
  return true;
}

function firstLineEnd(raw: Buffer): number {
  for (let i = 0; i < raw.length; i++) if (raw[i] === LF || raw[i] === CR) return i;
  return -1;
}

function firstInvalidUtf8Field(val: Buffer, ends: readonly number[]): number | null {
  let start = 0;
  for (let f = 0; f < ends.length; f++) {
    const end = ends[f]!;
    if (!isUtf8(val.subarray(start, end))) return f + 1;
    start = end;
  }
  return null;
}
