import { createReadStream } from 'node:fs';
import { ByteDictionary } from './byte-dictionary.js';
import { type Column, type ColumnRole, type ColumnType, Dataset, categoricalColumn, numericColumn } from './dataset.js';
import { lastParseFailed, parseNumberBytes } from './parse-number.js';

/** How one CSV column is read. Unset `type` means inferred; unset `role` means numeric/categorical by type. */
export interface CsvColumnSpec {
  readonly role?: ColumnRole;
  readonly type?: ColumnType;
}

export interface CsvOptions {
  /**
   * Explicit schema by column name: a role (`'numeric'`, `'categorical'`, `'target'`, `'id'`) or a
   * `{ role, type }`. Every named column must be in the header. Columns not named are inferred:
   * numeric while every non-missing value parses as a number, categorical otherwise.
   * A value that does not parse in a column the schema declares numeric is a bad value.
   */
  readonly schema?: Readonly<Record<string, ColumnRole | CsvColumnSpec>>;
  /** One ASCII character; default `,`. */
  readonly delimiter?: string;
  /** `'throw'` (default): the first bad row raises `CsvError`. `'collect'`: bad rows are returned in `badRows` and skipped. */
  readonly onError?: 'throw' | 'collect';
  /** Extra field values read as missing (the empty field is always missing), e.g. `['NA', 'null']`. */
  readonly naValues?: readonly string[];
  /** Read-stream chunk size in bytes for `readCsvFile` (default 1 MiB). */
  readonly chunkSize?: number;
}

/** A rejected row (collect mode). Line and column are 1-based; `columnName` is null for an extra field. */
export interface CsvBadRow {
  readonly line: number;
  readonly column: number;
  readonly columnName: string | null;
  readonly reason: string;
  /** The row's raw text, without its line terminator (for quarantine). */
  readonly raw: string;
}

export interface CsvReadResult {
  readonly dataset: Dataset;
  /** Rows skipped in collect mode, in file order (always empty in throw mode). */
  readonly badRows: CsvBadRow[];
}

/** A bad value, a wrong field count or an unterminated quote, with its 1-based line and column. */
export class CsvError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly columnName: string | null,
    readonly reason: string,
  ) {
    super(`CSV line ${line}, column ${column}${columnName === null ? '' : ` ('${columnName}')`}: ${reason}`);
    this.name = 'CsvError';
  }
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

const KIND_INFERRED = 0;
const KIND_NUMERIC = 1;
const KIND_CATEGORICAL = 2;

interface PendingError {
  column: number;
  reason: string;
  line: number;
}

/**
 * A push parser: `push(chunk)` any number of times, then `finish()`. Parses UTF-8 bytes directly:
 * numbers are parsed from the byte buffer, categories are looked up by their bytes, so no string
 * is made per field. Memory is the columns plus the last incomplete row.
 *
 * RFC 4180: quoted fields with doubled quotes and line breaks inside, CRLF or LF (or CR) line
 * ends, an optional UTF-8 BOM, a header row; blank lines are skipped (like pandas).
 */
export class CsvParser {
  private readonly delim: number;
  private readonly collect: boolean;
  private readonly naBytes: Uint8Array[];
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8');
  private leftover: Uint8Array | null = null;
  private started = false;
  private line = 1;
  private names: string[] | null = null;
  private ncols = 0;
  private kinds: Uint8Array = new Uint8Array(0);
  private roles: (ColumnRole | undefined)[] = [];
  private nums: (Float64Array | null)[] = [];
  private codes: (Int32Array | null)[] = [];
  private dicts: (ByteDictionary | null)[] = [];
  private capacity = 0;
  private nrows = 0;
  private scratch: Uint8Array = new Uint8Array(256);
  private pending: PendingError | null = null;
  private headerFields: string[] = [];
  private finished = false;
  readonly badRows: CsvBadRow[] = [];

  constructor(private readonly options: CsvOptions = {}) {
    const d = options.delimiter ?? ',';
    if (d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === '\n' || d === '\r') {
      throw new RangeError(`delimiter must be one ASCII character other than a quote or line break, got ${JSON.stringify(d)}`);
    }
    this.delim = d.charCodeAt(0);
    const mode = options.onError ?? 'throw';
    if (mode !== 'throw' && mode !== 'collect') throw new RangeError(`onError must be 'throw' or 'collect', got ${JSON.stringify(mode)}`);
    this.collect = mode === 'collect';
    this.naBytes = (options.naValues ?? []).filter((v) => v !== '').map((v) => this.encoder.encode(v));
  }

  /** Parses a chunk of UTF-8 bytes (or a string, encoded as UTF-8). */
  push(chunk: Uint8Array | string): void {
    if (this.finished) throw new Error('CsvParser.push after finish(): create a new parser');
    let buf = typeof chunk === 'string' ? this.encoder.encode(chunk) : chunk;
    if (this.leftover !== null && this.leftover.length > 0) {
      const joined = allocBytes(this.leftover.length + buf.length, buf);
      joined.set(this.leftover);
      joined.set(buf, this.leftover.length);
      buf = joined;
    }
    this.leftover = null;
    const consumed = this.parse(buf, false);
    if (consumed < buf.length) this.leftover = buf.slice(consumed);
  }

  /** Parses what is left and returns the dataset and the bad rows. */
  finish(): CsvReadResult {
    if (this.finished) throw new Error('CsvParser.finish called twice');
    const buf = this.leftover ?? new Uint8Array(0);
    this.leftover = null;
    this.parse(buf, true);
    this.finished = true;
    if (this.names === null) throw new CsvError(1, 1, null, 'empty input: expected a header row');
    const n = this.nrows;
    const cols: Column[] = [];
    for (let c = 0; c < this.ncols; c++) {
      const name = this.names[c]!;
      // A declared role fixes the storage (numeric -> numeric, categorical -> categorical), so the
      // role and the storage always agree; target and id keep whatever storage they ended with.
      const role = this.roles[c];
      if (this.kinds[c] === KIND_CATEGORICAL) {
        cols.push(categoricalColumn(name, this.codes[c]!.slice(0, n), this.dicts[c]!.values, role ?? 'categorical'));
      } else {
        cols.push(numericColumn(name, this.nums[c]!.slice(0, n), role ?? 'numeric'));
      }
    }
    return { dataset: new Dataset(cols, n), badRows: this.badRows };
  }

  private setupColumns(names: string[]): void {
    const seen = new Set<string>();
    for (let i = 0; i < names.length; i++) {
      const nm = names[i]!;
      if (seen.has(nm)) throw new CsvError(this.line, i + 1, nm, `duplicate column name '${nm}' in the header; column names must be unique`);
      seen.add(nm);
    }
    const schema = this.options.schema ?? {};
    for (const key of Object.keys(schema)) {
      if (!seen.has(key)) throw new CsvError(1, 1, key, `column '${key}' of the schema is not in the header (${names.join(', ')})`);
    }
    this.names = names;
    this.ncols = names.length;
    this.kinds = new Uint8Array(this.ncols);
    this.capacity = 1024;
    for (let c = 0; c < this.ncols; c++) {
      const raw = schema[names[c]!];
      const spec: CsvColumnSpec | undefined = typeof raw === 'string' ? { role: raw } : raw;
      const role = spec?.role;
      let type = spec?.type;
      if (type === undefined && role === 'numeric') type = 'numeric';
      if (type === undefined && role === 'categorical') type = 'categorical';
      if ((role === 'numeric' && type === 'categorical') || (role === 'categorical' && type === 'numeric')) {
        throw new RangeError(`schema for column '${names[c]}': role '${role}' cannot have type '${type}'`);
      }
      this.roles.push(role);
      if (type === 'categorical') {
        this.kinds[c] = KIND_CATEGORICAL;
        this.nums.push(null);
        this.codes.push(new Int32Array(this.capacity));
        this.dicts.push(new ByteDictionary());
      } else {
        this.kinds[c] = type === 'numeric' ? KIND_NUMERIC : KIND_INFERRED;
        this.nums.push(new Float64Array(this.capacity));
        this.codes.push(null);
        this.dicts.push(null);
      }
    }
  }

  private grow(): void {
    const cap = this.capacity * 2;
    for (let c = 0; c < this.ncols; c++) {
      const num = this.nums[c];
      if (num) {
        const next = new Float64Array(cap);
        next.set(num);
        this.nums[c] = next;
      }
      const code = this.codes[c];
      if (code) {
        const next = new Int32Array(cap);
        next.set(code);
        this.codes[c] = next;
      }
    }
    this.capacity = cap;
  }

  private isNa(buf: Uint8Array, start: number, end: number): boolean {
    const len = end - start;
    for (const na of this.naBytes) {
      if (na.length !== len) continue;
      let same = true;
      for (let i = 0; i < len; i++) {
        if (na[i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    return false;
  }

  /** Copies a quoted field's bytes with doubled quotes undone into the scratch buffer; returns its length. */
  private unescape(buf: Uint8Array, start: number, end: number): number {
    if (this.scratch.length < end - start) this.scratch = new Uint8Array((end - start) * 2);
    const out = this.scratch;
    let n = 0;
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      out[n++] = b;
      if (b === QUOTE) i++;
    }
    return n;
  }

  /** Turns an inferred numeric column into a categorical one (it met a value that is not a number). */
  private toCategorical(c: number): void {
    const num = this.nums[c]!;
    const dict = new ByteDictionary();
    const codes = new Int32Array(this.capacity);
    for (let r = 0; r < this.nrows; r++) {
      const v = num[r]!;
      codes[r] = Number.isNaN(v) ? -1 : dict.codeOfString(String(v));
    }
    this.nums[c] = null;
    this.codes[c] = codes;
    this.dicts[c] = dict;
    this.kinds[c] = KIND_CATEGORICAL;
  }

  /** Stores field `c` of the current row; returns an error reason or null. */
  private store(c: number, buf: Uint8Array, start: number, end: number, escapes: boolean): string | null {
    const kind = this.kinds[c]!;
    const row = this.nrows;
    if (kind !== KIND_CATEGORICAL) {
      if (start === end) {
        this.nums[c]![row] = NaN;
        return null;
      }
      if (!escapes) {
        const v = parseNumberBytes(buf, start, end);
        if (!lastParseFailed()) {
          this.nums[c]![row] = v;
          return null;
        }
      }
      if (this.naBytes.length > 0 && this.isNa(buf, start, end)) {
        this.nums[c]![row] = NaN;
        return null;
      }
      if (kind === KIND_NUMERIC) {
        const text = escapes ? this.decoder.decode(this.scratch.subarray(0, this.unescape(buf, start, end))) : this.decoder.decode(buf.subarray(start, end));
        return `expected a number, got ${JSON.stringify(text)}`;
      }
      this.toCategorical(c);
    }
    if (start === end || (this.naBytes.length > 0 && this.isNa(buf, start, end))) {
      this.codes[c]![row] = -1;
      return null;
    }
    if (escapes) {
      const n = this.unescape(buf, start, end);
      this.codes[c]![row] = this.dicts[c]!.codeOf(this.scratch, 0, n);
    } else {
      this.codes[c]![row] = this.dicts[c]!.codeOf(buf, start, end);
    }
    return null;
  }

  private headerField(buf: Uint8Array, start: number, end: number, escapes: boolean): void {
    const bytes = escapes ? this.scratch.subarray(0, this.unescape(buf, start, end)) : buf.subarray(start, end);
    this.headerFields.push(this.decoder.decode(bytes));
  }

  /** Called at the end of each complete row. */
  private endRow(nfields: number, buf: Uint8Array, rowStart: number, rowEnd: number, rowLine: number): void {
    if (this.names === null) {
      const names = this.headerFields;
      this.headerFields = [];
      this.setupColumns(names);
      return;
    }
    if (this.pending === null && nfields !== this.ncols) {
      this.pending = {
        column: nfields < this.ncols ? nfields + 1 : this.ncols + 1,
        reason: `expected ${this.ncols} fields, found ${nfields}`,
        line: rowLine,
      };
    }
    if (this.pending === null) {
      this.nrows++;
      return;
    }
    const { column, reason, line } = this.pending;
    this.pending = null;
    const name = column <= this.ncols ? this.names[column - 1]! : null;
    if (!this.collect) throw new CsvError(line, column, name, reason);
    let end = rowEnd;
    while (end > rowStart && (buf[end - 1] === LF || buf[end - 1] === CR)) end--;
    this.badRows.push({ line, column, columnName: name, reason, raw: this.decoder.decode(buf.subarray(rowStart, end)) });
  }

  /** Parses complete rows of `buf`; returns the offset of the first unconsumed byte. */
  private parse(buf: Uint8Array, final: boolean): number {
    const len = buf.length;
    const delim = this.delim;
    let pos = 0;
    if (!this.started) {
      if (len < 3 && !final) return 0;
      this.started = true;
      if (len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    let line = this.line;
    rows: while (pos < len) {
      const rowStart = pos;
      const rowLine = line;
      const b0 = buf[pos]!;
      if (b0 === LF) {
        pos++;
        line++;
        continue;
      }
      if (b0 === CR) {
        if (pos + 1 < len) pos += buf[pos + 1] === LF ? 2 : 1;
        else if (final) pos++;
        else break;
        line++;
        continue;
      }
      if (this.names === null) this.headerFields.length = 0;
      else if (this.nrows >= this.capacity) this.grow();
      this.pending = null;
      let nfields = 0;
      for (;;) {
        const fieldLine = line;
        let start: number;
        let end: number;
        let escapes = false;
        if (pos < len && buf[pos] === QUOTE) {
          let p = pos + 1;
          start = p;
          for (;;) {
            if (p >= len) {
              if (!final) {
                pos = rowStart;
                line = rowLine;
                break rows;
              }
              this.unterminated(buf, rowStart, fieldLine, nfields);
              this.line = line;
              return len;
            }
            const b = buf[p]!;
            if (b === QUOTE) {
              if (p + 1 < len) {
                if (buf[p + 1] === QUOTE) {
                  escapes = true;
                  p += 2;
                  continue;
                }
              } else if (!final) {
                pos = rowStart;
                line = rowLine;
                break rows;
              }
              end = p;
              p++;
              break;
            }
            if (b === LF) line++;
            p++;
          }
          pos = p;
          if (pos < len) {
            const t = buf[pos]!;
            if (t !== delim && t !== LF && t !== CR) {
              if (this.names !== null && this.pending === null) {
                this.pending = { column: nfields + 1, reason: `unexpected character ${JSON.stringify(String.fromCharCode(t))} after a closing quote`, line: fieldLine };
              }
              while (pos < len && buf[pos] !== delim && buf[pos] !== LF && buf[pos] !== CR) pos++;
              if (pos >= len && !final) {
                pos = rowStart;
                line = rowLine;
                break rows;
              }
            }
          }
        } else {
          let p = pos;
          while (p < len) {
            const b = buf[p]!;
            if (b === delim || b === LF || b === CR) break;
            p++;
          }
          if (p >= len && !final) {
            pos = rowStart;
            line = rowLine;
            break rows;
          }
          start = pos;
          end = p;
          pos = p;
        }
        if (this.names === null) this.headerField(buf, start, end, escapes);
        else if (nfields < this.ncols && this.pending === null) {
          const reason = this.store(nfields, buf, start, end, escapes);
          if (reason !== null) this.pending = { column: nfields + 1, reason, line: fieldLine };
        }
        nfields++;
        if (pos >= len) break;
        const t = buf[pos]!;
        if (t === delim) {
          pos++;
          continue;
        }
        if (t === LF) {
          pos++;
          line++;
          break;
        }
        // CR
        if (pos + 1 < len) pos += buf[pos + 1] === LF ? 2 : 1;
        else if (final) pos++;
        else {
          pos = rowStart;
          line = rowLine;
          break rows;
        }
        line++;
        break;
      }
      this.endRow(nfields, buf, rowStart, pos, rowLine);
    }
    this.line = line;
    return pos;
  }

  private unterminated(buf: Uint8Array, rowStart: number, line: number, nfields: number): void {
    const name = this.names !== null && nfields < this.ncols ? this.names[nfields]! : null;
    const reason = 'unterminated quoted field at end of input (a quote opened here is never closed)';
    if (this.names === null || !this.collect) throw new CsvError(line, nfields + 1, name, reason);
    this.pending = null;
    this.badRows.push({ line, column: nfields + 1, columnName: name, reason, raw: this.decoder.decode(buf.subarray(rowStart)) });
  }
}

/** A byte array of the same class as `like` (a Node Buffer stays a Buffer: its latin1Slice is faster). */
function allocBytes(n: number, like: Uint8Array): Uint8Array {
  const ctor = like.constructor as { allocUnsafe?: (n: number) => Uint8Array };
  return typeof ctor.allocUnsafe === 'function' ? ctor.allocUnsafe(n) : new Uint8Array(n);
}

/**
 * Parses CSV text or UTF-8 bytes held in memory.
 * @example parseCsv('a,b\n1,x\n').dataset.numeric('a') // Float64Array [1]
 */
export function parseCsv(input: string | Uint8Array, options: CsvOptions = {}): CsvReadResult {
  const parser = new CsvParser(options);
  parser.push(typeof input === 'string' ? new TextEncoder().encode(input) : input);
  return parser.finish();
}

/** Parses CSV from an async iterable of chunks (a Node stream, a fetch body, a Kafka batch...). */
export async function readCsvStream(chunks: AsyncIterable<Uint8Array | string>, options: CsvOptions = {}): Promise<CsvReadResult> {
  const parser = new CsvParser(options);
  for await (const chunk of chunks) parser.push(chunk);
  return parser.finish();
}

/** Streams a CSV file from disk (`fs.createReadStream`); memory is the columns plus one chunk. */
export async function readCsvFile(path: string, options: CsvOptions = {}): Promise<CsvReadResult> {
  const stream = createReadStream(path, { highWaterMark: options.chunkSize ?? 1 << 20 });
  return readCsvStream(stream as AsyncIterable<Uint8Array>, options);
}
