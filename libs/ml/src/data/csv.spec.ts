import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CsvError, CsvParser, parseCsv, readCsvFile, readCsvStream } from './csv.js';
import { parseNumberBytes, lastParseFailed } from './parse-number.js';

const here = dirname(fileURLToPath(import.meta.url));
const telcoPath = join(here, '../../../../data/raw/customer_data.csv');

describe('parseCsv', () => {
  it('RFC 4180: BOM, CRLF, quoted fields with doubled quotes and newlines, empty = missing', () => {
    const { dataset, badRows } = parseCsv('\uFEFFa,b,"c"\r\n1,"x ""q""",3\r\n2,"multi\nline",\r\n\r\n,y,5e2\r\n');
    expect(badRows).toEqual([]);
    expect(dataset.columnNames).toEqual(['a', 'b', 'c']);
    expect(Array.from(dataset.numeric('a'))).toEqual([1, 2, NaN]);
    expect(dataset.categorical('b').categories).toEqual(['x "q"', 'multi\nline', 'y']);
    expect(Array.from(dataset.numeric('c'))).toEqual([3, NaN, 500]);
  });

  it('infers numeric until text appears, then categorical (earlier numbers as their shortest string)', () => {
    const { dataset } = parseCsv('v\n1.50\n\nx\n2\n');
    const c = dataset.categorical('v');
    expect(c.categories).toEqual(['1.5', 'x', '2']);
    expect(Array.from(c.codes)).toEqual([0, 1, 2]);
  });

  it('explicit schema: roles, categorical numbers, and a bad numeric value with line and column', () => {
    const text = 'id,n,flag,t\nA,1,0,Yes\nB,2,1,No\nC,oops,1,Yes\n';
    const ds = parseCsv('id,n,flag,t\nA,1,0,Yes\n', { schema: { id: 'id', flag: 'categorical', t: 'target' } }).dataset;
    expect(ds.schema).toEqual([
      { name: 'id', role: 'id', type: 'categorical' },
      { name: 'n', role: 'numeric', type: 'numeric' },
      { name: 'flag', role: 'categorical', type: 'categorical' },
      { name: 't', role: 'target', type: 'categorical' },
    ]);
    expect(() => parseCsv(text, { schema: { n: 'numeric' } })).toThrow(new CsvError(4, 2, 'n', 'expected a number, got "oops"'));
    expect(() => parseCsv(text, { schema: { n: 'numeric' } })).toThrow(`CSV line 4, column 2 ('n'): expected a number, got "oops"`);
  });

  it('wrong field counts and unterminated quotes raise CsvError with 1-based line and column', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow("CSV line 3, column 2 ('b'): expected 2 fields, found 1");
    expect(() => parseCsv('a,b\n1,2,3\n')).toThrow('CSV line 2, column 3: expected 2 fields, found 3');
    expect(() => parseCsv('a,b\n1,"x\ny\n')).toThrow(
      "CSV line 2, column 2 ('b'): unterminated quoted field at end of input (a quote opened here is never closed)",
    );
    // The line counts newlines inside quoted fields.
    expect(() => parseCsv('a,b\n1,"x\ny"\n2\n')).toThrow("CSV line 4, column 2 ('b'): expected 2 fields, found 1");
  });

  it("collect mode keeps the good rows and returns the bad ones with reasons", () => {
    const { dataset, badRows } = parseCsv('a,b\n1,2\nx,3\n4,5,6\n7,8\n9,"1', { schema: { a: 'numeric' }, onError: 'collect' });
    expect(Array.from(dataset.numeric('a'))).toEqual([1, 7]);
    expect(Array.from(dataset.numeric('b'))).toEqual([2, 8]);
    expect(badRows).toEqual([
      { line: 3, column: 1, columnName: 'a', reason: 'expected a number, got "x"', raw: 'x,3' },
      { line: 4, column: 3, columnName: null, reason: 'expected 2 fields, found 3', raw: '4,5,6' },
      { line: 6, column: 2, columnName: 'b', reason: 'unterminated quoted field at end of input (a quote opened here is never closed)', raw: '9,"1' },
    ]);
  });

  it('header errors and empty input', () => {
    expect(() => parseCsv('')).toThrow('CSV line 1, column 1: empty input: expected a header row');
    expect(() => parseCsv('a,a\n1,2\n')).toThrow("CSV line 1, column 2 ('a'): duplicate column name 'a' in the header; column names must be unique");
    expect(() => parseCsv('a\n1\n', { schema: { b: 'numeric' } })).toThrow("CSV line 1, column 1 ('b'): column 'b' of the schema is not in the header (a)");
    const headerOnly = parseCsv('a,b\n').dataset;
    expect(headerOnly.rowCount).toBe(0);
    expect(headerOnly.columnNames).toEqual(['a', 'b']);
  });

  it('naValues, other delimiters, NaN and infinities', () => {
    const ds = parseCsv('a;b\nNA;x\n-inf;NA\nnan;y\n', { delimiter: ';', naValues: ['NA'] }).dataset;
    expect(Array.from(ds.numeric('a'))).toEqual([NaN, -Infinity, NaN]);
    expect(Array.from(ds.categorical('b').codes)).toEqual([0, -1, 1]);
    expect(() => parseCsv('a\n1\n', { delimiter: '"' })).toThrow('delimiter must be one ASCII character other than a quote or line break, got "\\""');
  });

  it('gives the same dataset for any chunking (streaming), byte by byte included', async () => {
    const text = '\uFEFFid,v,"na""me"\r\n1,2.5,"a,b"\r\n2,,"multi\r\nline"\r\n3,1e3,"é ü"\n';
    const whole = parseCsv(text).dataset;
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 2, 3, 7]) {
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      }
      const streamed = (await readCsvStream(chunks())).dataset;
      expect(streamed.columns).toEqual(whole.columns);
    }
    expect(whole.categorical('na"me').categories).toEqual(['a,b', 'multi\r\nline', 'é ü']);
  });

  it('push after finish is an error', () => {
    const p = new CsvParser();
    p.push('a\n1\n');
    p.finish();
    expect(() => p.push('2\n')).toThrow('CsvParser.push after finish(): create a new parser');
  });
});

describe('readCsvFile', () => {
  it('reads the Telco file: 7043 rows, 21 columns, 11 blank total_charges, types inferred', async () => {
    const { dataset } = await readCsvFile(telcoPath, { chunkSize: 4096 });
    expect(dataset.rowCount).toBe(7043);
    expect(dataset.columns.length).toBe(21);
    expect(Array.from(dataset.numeric('total_charges')).filter(Number.isNaN).length).toBe(11);
    expect(dataset.categorical('contract').categories).toEqual(['Month-to-month', 'One year', 'Two year']);
    // Same as parsing the whole file in memory.
    const inMemory = parseCsv(readFileSync(telcoPath)).dataset;
    expect(dataset.columns).toEqual(inMemory.columns);
  });

  it('reports a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csv-'));
    try {
      await expect(readCsvFile(join(dir, 'nope.csv'))).rejects.toThrow(/ENOENT/);
      writeFileSync(join(dir, 'bad.csv'), 'a,b\n1,2\n3,4,5\n');
      await expect(readCsvFile(join(dir, 'bad.csv'))).rejects.toThrow('CSV line 3, column 3: expected 2 fields, found 3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseNumberBytes', () => {
  const enc = new TextEncoder();
  const parse = (s: string) => {
    const b = enc.encode(s);
    const v = parseNumberBytes(b, 0, b.length);
    return lastParseFailed() ? 'fail' : v;
  };
  it('equals Number() on decimal text, including long mantissas and big exponents', () => {
    const cases = ['0', '-0', '12', '+3.25', '.5', '5.', '1e5', '1E-5', '29.85', '0.1', '123456789012345678', '-0.30000000000000004', '1.7976931348623157e308', '5e-324', '  7 '];
    for (const s of cases) expect(Object.is(parse(s), Number(s))).toBe(true);
  });
  it('random doubles round-trip exactly', () => {
    let seed = 1;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const v = (seed / 2147483648 - 0.5) * 10 ** ((seed % 40) - 20);
      expect(parse(String(v))).toBe(v);
      expect(parse(v.toFixed(2))).toBe(Number(v.toFixed(2)));
    }
  });
  it('rejects non-numbers, whitespace only and empty exponents', () => {
    for (const s of ['', ' ', 'abc', '1.2.3', '1e', '--1', '.', '0x10', '1,5']) expect(parse(s)).toBe('fail');
    expect(parse('NaN')).toBeNaN();
    expect(parse('-Infinity')).toBe(-Infinity);
  });
});
