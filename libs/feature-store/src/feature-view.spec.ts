import { MAX_FEATURES_PER_VIEW, compileView, sameView } from './feature-view.js';

describe('compileView', () => {
  it('derives Feast field names: <view>:<feature> per feature and _ts:<view>', () => {
    const v = compileView({ name: 'customer_features_v1', features: [{ name: 'tenure', type: 'number' }, { name: 'contract', type: 'string' }] });
    expect(v.fields).toEqual(['customer_features_v1:tenure', 'customer_features_v1:contract']);
    expect(v.tsField).toBe('_ts:customer_features_v1');
    expect(v.index.get('contract')).toBe(1);
  });

  it('rejects bad names, types, duplicates and empty or oversized views with the view named', () => {
    const f = [{ name: 'a', type: 'number' as const }];
    expect(() => compileView({ name: 'a:b', features: f })).toThrow(`feature view 'a:b': the name must start with a letter or digit`);
    expect(() => compileView({ name: '_ts', features: f })).toThrow(`feature view '_ts': the name must start`);
    expect(() => compileView({ name: 'v', features: [] })).toThrow(`feature view 'v': give at least one feature`);
    expect(() => compileView({ name: 'v', features: [{ name: 'x:y', type: 'number' }] })).toThrow(`feature 0: the name must be a non-empty string without ":", got "x:y"`);
    expect(() => compileView({ name: 'v', features: [{ name: 'x', type: 'bool' as 'number' }] })).toThrow(`feature 'x': type must be 'number' or 'string', got "bool"`);
    expect(() => compileView({ name: 'v', features: [...f, ...f] })).toThrow(`feature 'a' is listed twice`);
    const many = Array.from({ length: MAX_FEATURES_PER_VIEW + 1 }, (_, i) => ({ name: `f${i}`, type: 'number' as const }));
    expect(() => compileView({ name: 'v', features: many })).toThrow(`${MAX_FEATURES_PER_VIEW + 1} features; split it into views of at most ${MAX_FEATURES_PER_VIEW}`);
  });

  it('sameView compares names, order and types', () => {
    const a = { name: 'v', features: [{ name: 'x', type: 'number' as const }] };
    expect(sameView(a, { name: 'v', features: [{ name: 'x', type: 'number' }] })).toBe(true);
    expect(sameView(a, { name: 'v', features: [{ name: 'x', type: 'string' }] })).toBe(false);
    expect(sameView(a, { name: 'w', features: a.features })).toBe(false);
  });
});
