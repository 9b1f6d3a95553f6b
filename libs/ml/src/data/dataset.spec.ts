import { Dataset, DatasetError, categoricalColumn, categoricalFromValues, numericColumn } from './dataset.js';

const ds = new Dataset([
  numericColumn('x', [1, NaN, 3]),
  categoricalFromValues('c', ['a', null, 'b']),
  categoricalFromValues('y', ['Yes', 'No', 'Yes'], 'target'),
]);

describe('Dataset', () => {
  it('holds typed columns with a schema', () => {
    expect(ds.rowCount).toBe(3);
    expect(ds.schema).toEqual([
      { name: 'x', role: 'numeric', type: 'numeric' },
      { name: 'c', role: 'categorical', type: 'categorical' },
      { name: 'y', role: 'target', type: 'categorical' },
    ]);
    expect(ds.record(1)).toEqual({ x: null, c: null, y: 'No' });
    expect(Array.from(ds.labels('y', 'Yes'))).toEqual([1, 0, 1]);
  });

  it('select, drop, take (repeats allowed, dictionaries kept), withColumns', () => {
    expect(ds.select(['c', 'x']).columnNames).toEqual(['c', 'x']);
    expect(ds.drop(['c']).columnNames).toEqual(['x', 'y']);
    const t = ds.take([2, 2, 0]);
    expect(Array.from(t.numeric('x'))).toEqual([3, 3, 1]);
    expect(t.categorical('c').categories).toEqual(['a', 'b']);
    expect(Array.from(t.categorical('c').codes)).toEqual([1, 1, 0]);
    expect(ds.take([]).rowCount).toBe(0);
    expect(ds.withColumns([numericColumn('x', [0, 0, 0])]).numeric('x')[0]).toBe(0);
  });

  it('errors name the bad argument', () => {
    expect(() => ds.column('nope')).toThrow(new DatasetError("unknown column 'nope'; the dataset has: x, c, y"));
    expect(() => ds.numeric('c')).toThrow("column 'c' is categorical, not numeric; use categorical('c')");
    expect(() => ds.categorical('x')).toThrow("column 'x' is numeric, not categorical; use numeric('x')");
    expect(() => ds.take([3])).toThrow('take: index 3 at position 0 is outside [0, 2]');
    expect(() => new Dataset([numericColumn('a', [1]), numericColumn('a', [2])])).toThrow("duplicate column name 'a': column names must be unique");
    expect(() => new Dataset([numericColumn('a', [1]), numericColumn('b', [2, 3])])).toThrow("column 'b' has 2 rows, expected 1 like 'a'");
    expect(() => categoricalColumn('k', Int32Array.from([2]), ['a'])).toThrow("column 'k': code 2 at row 0 is outside [-1, 0]");
    expect(() => ds.labels('x', 1)).toThrow("labels: column 'x' is missing at row 1; drop unlabeled rows first");
  });

  it('fromRecords converts raw values and rejects bad ones', () => {
    const d = Dataset.fromRecords([{ a: '1.5', b: 2 }, { a: '', b: null }], [
      { name: 'a', role: 'numeric', type: 'numeric' },
      { name: 'b', role: 'categorical', type: 'categorical' },
    ]);
    expect(Array.from(d.numeric('a'))).toEqual([1.5, NaN]);
    expect(d.categorical('b').categories).toEqual(['2']);
    expect(() => Dataset.fromRecords([{ a: 'x' }], [{ name: 'a', role: 'numeric', type: 'numeric' }])).toThrow(
      `column 'a' at row 0: expected a number or null, got "x"`,
    );
  });
});
