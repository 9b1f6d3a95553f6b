import { matchingRows, parseRowCondition } from './row-condition.js';

describe('row_condition (safe subset, no eval)', () => {
  const table = {
    tenure: Float64Array.of(0, 1, 12, Number.NaN, 30),
    contract: ['Month-to-month', 'One year', 'Month-to-month', 'Two year', null],
  };
  const rows = (src: string): number[] => Array.from(matchingRows(table, parseRowCondition(src), 5));

  it('comparisons, and/or/not, parentheses, quoted and back-quoted names, col("x")', () => {
    expect(rows('tenure >= 1')).toEqual([1, 2, 4]);
    expect(rows('1 <= tenure')).toEqual([1, 2, 4]);
    expect(rows('tenure >= 1 and contract == "Month-to-month"')).toEqual([2]);
    expect(rows('(tenure < 1) | (`contract` == \'Two year\')')).toEqual([0, 3]);
    expect(rows('not tenure > 5')).toEqual([0, 1, 3]);
    expect(rows('col("tenure") > 10 & contract != None')).toEqual([2]);
  });

  it('missing cells compare false (except !=)', () => {
    expect(rows('tenure != 1')).toEqual([0, 2, 3, 4]);
    expect(rows('contract == None')).toEqual([4]);
  });

  it('rejects anything else with the position or the reason', () => {
    expect(() => parseRowCondition('__import__("os").system("x")')).toThrow('row_condition');
    expect(() => parseRowCondition('tenure >= ')).toThrow('expected <column> <op> <value>');
    expect(() => parseRowCondition('tenure >= 1 extra')).toThrow('unexpected "extra"');
    expect(() => parseRowCondition('a == "x')).toThrow('unterminated string');
    expect(() => matchingRows(table, parseRowCondition('nope > 1'), 5)).toThrow('row_condition uses column "nope", which the table does not have');
  });
});
