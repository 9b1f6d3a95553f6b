import { decodePageToken, encodePageToken, parseRunFilter, parseRunOrder } from './run-filter.js';

describe('parseRunFilter', () => {
  it('parses the reference filter: metrics.x > 0.9 and params.model = "LR"', () => {
    expect(parseRunFilter('metrics.x > 0.9 and params.model = "LR"')).toEqual([
      { kind: 'metric', key: 'x', comparator: '>', value: 0.9 },
      { kind: 'param', key: 'model', comparator: '=', value: 'LR' },
    ]);
  });

  it('parses tags, attributes, LIKE, IN, backticked keys and scientific numbers', () => {
    expect(
      parseRunFilter("tags.`mlflow.runName` LIKE 'xgb%' AND attributes.status IN ('FINISHED', 'FAILED') AND metrics.`val auc` >= 1e-3 AND start_time < 5"),
    ).toEqual([
      { kind: 'tag', key: 'mlflow.runName', comparator: 'LIKE', value: 'xgb%' },
      { kind: 'attribute', key: 'status', comparator: 'IN', value: ['FINISHED', 'FAILED'] },
      { kind: 'metric', key: 'val auc', comparator: '>=', value: 0.001 },
      { kind: 'attribute', key: 'start_time', comparator: '<', value: 5 },
    ]);
    expect(parseRunFilter('')).toEqual([]);
    expect(parseRunFilter(undefined)).toEqual([]);
  });

  it.each([
    ['metrics.a > 1 OR metrics.b > 1', 'clauses must be joined by AND (OR is not supported)'],
    ['metrics.a > "x"', 'metrics.a must be compared with a number'],
    ['params.a > 1', 'params.a must be compared with a quoted string'],
    ['foo.a = 1', "'foo.a' is not an entity"],
    ['metrics.a >', "expected a value after 'metrics.a >'"],
    ["params.a = 'x", 'unterminated'],
  ])('refuses %s', (filter, message) => {
    expect(() => parseRunFilter(filter)).toThrow(message);
    try {
      parseRunFilter(filter);
    } catch (error) {
      expect((error as { code: string }).code).toBe('INVALID_PARAMETER_VALUE');
    }
  });
});

describe('parseRunOrder and page tokens', () => {
  it('parses order_by entries', () => {
    expect(parseRunOrder(['metrics.auc DESC', 'params.model', 'start_time asc'])).toEqual([
      { kind: 'metric', key: 'auc', ascending: false },
      { kind: 'param', key: 'model', ascending: true },
      { kind: 'attribute', key: 'start_time', ascending: true },
    ]);
  });

  it('round-trips page tokens and refuses forged ones', () => {
    expect(decodePageToken(encodePageToken(2000))).toBe(2000);
    expect(decodePageToken(undefined)).toBe(0);
    expect(() => decodePageToken('garbage')).toThrow('Invalid page token');
  });
});
