import { CsvRecordReader, type CsvRecord } from './csv-record-reader.js';

function readAll(chunks: (string | Buffer)[], options = {}): CsvRecord[] {
  const r = new CsvRecordReader(options);
  const out: CsvRecord[] = [];
  for (const c of chunks) out.push(...r.push(typeof c === 'string' ? Buffer.from(c) : c));
  out.push(...r.finish());
  return out;
}

describe('CsvRecordReader', () => {
  it('reads quoted fields, doubled quotes, CRLF and blank lines with their 1-based lines, across chunk boundaries', () => {
    const text = '\ufeffa,b\r\n"x,1","say ""hi"""\r\n\r\n2,"multi\nline"\n3,';
    for (let cut = 1; cut < text.length; cut++) {
      const bytes = Buffer.from(text);
      const recs = readAll([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(recs.map((r) => [r.line, r.fields])).toEqual([
        [1, ['a', 'b']],
        [2, ['x,1', 'say "hi"']],
        [4, ['2', 'multi\nline']],
        [6, ['3', '']],
      ]);
    }
  });

  it('refuses a record longer than the limit without holding it, and goes on with the next line', () => {
    const recs = readAll(['a,b\n', `1,${'x'.repeat(5000)}`, 'y'.repeat(5000), '\n2,ok\n'], { maxRecordBytes: 1000, rawExcerptBytes: 100 });
    expect(recs[1]).toMatchObject({ line: 2, problem: 'line too long: more than 1000 bytes (the limit is INGESTION_MAX_LINE_BYTES)' });
    expect(recs[1]!.raw.length).toBe(100);
    expect(recs[2]).toMatchObject({ line: 3, fields: ['2', 'ok'], problem: null });
  });

  it('reports invalid UTF-8 with the field, a stray quote, and an unterminated quote at EOF, then re-reads the lines after it', () => {
    const recs = readAll([Buffer.concat([Buffer.from('a,b\n1,x'), Buffer.from([0xff]), Buffer.from('\n"p"q,2\n"open,3\n4,5\n6,7\n')])]);
    expect(recs.slice(1).map((r) => [r.line, r.problem === null ? r.fields : r.problem, r.column])).toEqual([
      [2, 'invalid UTF-8: the line holds bytes that are not UTF-8 text; save the file as UTF-8', 2],
      [3, 'unexpected character after a closing quote (a quote inside a field must be doubled: "")', 1],
      [4, 'unterminated quoted field: the quote opened on line 4 is never closed', 1],
      [5, ['4', '5'], null],
      [6, ['6', '7'], null],
    ]);
  });

  it('names the bad argument', () => {
    expect(() => new CsvRecordReader({ delimiter: ';;' })).toThrow(/delimiter must be one ASCII character/);
  });
});
